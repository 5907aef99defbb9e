/**
 * The model registry: `models/<version>/` folders and a `CURRENT` file naming the one in use, replaced by
 * rename so readers never see a half-written pointer. A new model becomes current only when it scores at
 * least as well as the current one on the same held-out data (within a small tolerance), or when forced.
 */
import { join } from "node:path";

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

  async list(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) if (e.isDirectory) out.push(e.name);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out.sort();
  }

  /** Points CURRENT at `version` atomically (write a temp file, rename over). */
  async setCurrent(version: string): Promise<void> {
    await this.resolve(version);
    const tmp = join(this.root, `CURRENT.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`);
    await Deno.writeTextFile(tmp, version + "\n");
    await Deno.rename(tmp, join(this.root, "CURRENT"));
  }
}
