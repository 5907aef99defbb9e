/**
 * The model registry: `models/<version>/` folders and a `CURRENT` file naming the one in use. A model is
 * written under a staging name, flushed and renamed into place; CURRENT is replaced by a flushed rename
 * inside the transaction that updates the models table, so the two move together. A new model becomes current only when it scores at
 * least as well as the current one on the same held-out data (within a small tolerance), or when forced.
 */
import { join } from "node:path";
import { pathExists } from "@/core/mod.ts";
import { MODEL_RECORD_FILE } from "@/encode/mod.ts";
import { type Db, syncDir } from "@/store/mod.ts";

export interface PromotionInput {
  /** The candidate's weighted F0.5 on the held-out test set. */
  candidate: number;
  /** The current model's weighted F0.5 on the same test set; undefined when there is no current model. */
  current?: number;
  /** Scores this close count as equal (retraining noise). @default 0.005 */
  tolerance?: number;
  force?: boolean;
  /** False when the current model tags another vocabulary (another source): not comparable. @default true */
  comparable?: boolean;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

export function decidePromotion(input: PromotionInput): PromotionDecision {
  const tol = input.tolerance ?? 0.005;
  const fmt = (x: number) => x.toFixed(4);
  if (input.force) return { promote: true, reason: "forced (--force)" };
  if (input.comparable === false) {
    return {
      promote: false,
      reason:
        "kept as candidate: the current model tags a different vocabulary (another source), so the two " +
        "cannot be compared on one test set (use --force to replace it)",
    };
  }
  if (input.current === undefined) return { promote: true, reason: "no current model" };
  if (input.candidate + tol >= input.current) {
    return {
      promote: true,
      reason: `weighted F0.5 ${fmt(input.candidate)} vs current ${
        fmt(input.current)
      } on the same test set (tolerance ${tol})`,
    };
  }
  return {
    promote: false,
    reason:
      `kept as candidate: weighted F0.5 ${fmt(input.candidate)} is below current ${fmt(input.current)} ` +
      `by more than ${tol} on the same test set (use --force to promote anyway)`,
  };
}

/** A readable, sortable model version: `m<UTC time>-<random>`. */
export function newModelVersion(now = new Date()): string {
  return `m${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "")}-${
    crypto.randomUUID().slice(0, 6)
  }`;
}

export class ModelRegistry {
  constructor(readonly root: string) {}

  pathOf(version: string): string {
    if (!/^[\w.-]+$/.test(version)) {
      throw new RangeError(`Cannot locate model "${version}": not a model version`);
    }
    return join(this.root, version);
  }

  /** The version `CURRENT` names, or undefined before the first promotion. */
  async current(): Promise<string | undefined> {
    try {
      return (await Deno.readTextFile(join(this.root, "CURRENT"))).trim() || undefined;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  /** Resolves "current" or a version to an existing model folder. */
  async resolve(which: string = "current"): Promise<{ version: string; path: string }> {
    const version = which === "current" ? await this.current() : which;
    if (!version) {
      throw new Deno.errors.NotFound(
        `Cannot find the current model in "${this.root}": none promoted yet. Run: deno task train`,
      );
    }
    const path = this.pathOf(version);
    try {
      await Deno.stat(path);
    } catch {
      throw new Deno.errors.NotFound(
        `Cannot find model "${version}": no folder "${path}". List them with: ls ${this.root}`,
      );
    }
    return { version, path };
  }

  /** Committed model versions (staging folders of unfinished runs are not models). */
  async list(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) {
        // encoders added with `deno task models add` share the root; their folders hold a record
        if (
          e.isDirectory && !e.name.startsWith(".") &&
          !(await pathExists(join(this.root, e.name, MODEL_RECORD_FILE)))
        ) {
          out.push(e.name);
        }
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort();
  }

  /** A fresh folder to write `version`'s files into; `commit` gives it the version's name. */
  async stage(version: string): Promise<string> {
    this.pathOf(version);
    const dir = join(this.root, `.staging-${version}-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`);
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Flushes every file of the staged folder to disk, then renames it to `version` and flushes the
   * registry folder: a model folder exists whole or not at all, even after a power loss.
   */
  async commit(version: string, staged: string): Promise<string> {
    const final = this.pathOf(version);
    if (await pathExists(final)) {
      throw new Deno.errors.AlreadyExists(`Cannot commit model "${version}": "${final}" exists already`);
    }
    await syncTree(staged);
    await Deno.rename(staged, final);
    await syncDir(this.root);
    return final;
  }

  /** Points CURRENT at `version` atomically and durably (temp file flushed, renamed over, folder flushed). */
  async setCurrent(version: string): Promise<void> {
    await this.resolve(version);
    const tmp = join(this.root, `.CURRENT.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`);
    try {
      using file = await Deno.open(tmp, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(version + "\n"));
      await file.syncData();
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    try {
      await Deno.rename(tmp, join(this.root, "CURRENT"));
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await syncDir(this.root);
  }

  /**
   * Makes `version` the model in use, in one step: in one transaction the models table marks it current
   * (the previous one retired) and, last before the commit, CURRENT moves. If CURRENT cannot move, the
   * table is rolled back; a crash between the rename and the commit is repaired by `reconcile`.
   */
  async promote(db: Db, version: string): Promise<void> {
    await this.resolve(version);
    await db.transaction(async (tx) => {
      await tx.query("update models set status = 'retired' where status = 'current' and version <> $1", [
        version,
      ]);
      await tx.query("update models set status = 'current' where version = $1", [version]);
      await this.setCurrent(version);
    });
  }

  /** Makes the models table agree with CURRENT, which is what jobs use. */
  async reconcile(db: Db): Promise<void> {
    const current = await this.current();
    if (!current) return;
    await db.query(
      `update models set status = case when version = $1 then 'current' else 'retired' end
       where (version = $1 and status <> 'current') or (version <> $1 and status = 'current')`,
      [current],
    );
  }
}

/** fsync of every file and folder under `dir`. */
async function syncTree(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) await syncTree(path);
    else if (e.isFile) {
      using file = await Deno.open(path, { read: true, write: true });
      await file.syncData();
    }
  }
  await syncDir(dir);
}
