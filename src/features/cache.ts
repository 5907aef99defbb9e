/**
 * The feature cache: encoder outputs as Apache Arrow IPC files, one folder per feature set
 * (`<root>/<name>/`), rows `key: utf8, vector: fixed_size_list<float32>[dim]`.
 *
 * - Each write adds a new part file, written to a temp name, flushed to disk and renamed: a killed run or
 *   a power loss leaves no corrupt file, and concurrent runs never write the same file. A part that
 *   cannot be read anyway (disk damage) is renamed aside on open (`setAside`) and its rows computed again. Rows are looked up by key, so a key present in
 *   two parts (two runs computed it at once) is harmless: same key, same inputs, same vector.
 * - `compact()` folds the parts into one when they pile up.
 * - Everything is held in memory once opened (50,000 x 1280 floats is 256 MB): training reads it all.
 */
import {
  Field,
  FixedSizeList,
  Float32,
  makeData,
  makeVector,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { join } from "node:path";
import { syncDir } from "@/store/mod.ts";

export interface FeatureRow {
  key: string;
  vector: Float32Array;
}

export interface CacheStats {
  rows: number;
  parts: number;
  bytes: number;
}

const PART = /^part-.+\.arrow$/;

export class FeatureCache {
  readonly #index = new Map<string, Float32Array>();
  #parts: string[] = [];
  /** Part files that could not be read when the cache was opened, renamed aside; their rows are missing. */
  readonly setAside: { part: string; movedTo: string; reason: string }[] = [];

  private constructor(readonly dir: string, readonly dim: number) {}

  /** Opens (creating) the feature set `name` under `root`; every vector in it has `dim` floats. */
  static async open(root: string, name: string, dim: number): Promise<FeatureCache> {
    if (!/^[\w.@:+-]+(\/[\w.@:+-]+)*$/.test(name)) {
      throw new RangeError(`Cannot open feature set "${name}": use letters, digits and . @ : + - _ /`);
    }
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new RangeError(`Cannot open feature set "${name}": dim ${dim} must be a positive integer`);
    }
    const cache = new FeatureCache(join(root, name), dim);
    await Deno.mkdir(cache.dir, { recursive: true });
    await cache.#load();
    return cache;
  }

  async #load(): Promise<void> {
    const names: string[] = [];
    for await (const e of Deno.readDir(this.dir)) if (e.isFile && PART.test(e.name)) names.push(e.name);
    names.sort();
    for (const name of names) {
      let table: Table;
      try {
        table = tableFromIPC(await Deno.readFile(join(this.dir, name)));
        if (!table.getChild("key") || !table.getChild("vector")) {
          throw new TypeError("no key or vector column");
        }
      } catch (err) {
        // A damaged part (a disk error, a half-copied folder) blocks nothing: its rows are computed again.
        const aside = `${name}.corrupt-${Date.now().toString(36)}`;
        await Deno.rename(join(this.dir, name), join(this.dir, aside));
        this.setAside.push({ part: name, movedTo: aside, reason: (err as Error).message });
        continue;
      }
      const dim = (table.schema.fields.find((f) => f.name === "vector")?.type as FixedSizeList | undefined)
        ?.listSize;
      if (dim !== this.dim) {
        throw new RangeError(
          `Cannot read feature part "${
            join(this.dir, name)
          }": vectors have ${dim} floats, expected ${this.dim}`,
        );
      }
      for (const batch of table.batches) {
        const keys = batch.getChild("key")!;
        const values = batch.getChild("vector")!.data[0].children[0].values as Float32Array;
        const offset = batch.getChild("vector")!.data[0].offset;
        for (let i = 0; i < batch.numRows; i++) {
          const start = (offset + i) * this.dim;
          this.#index.set(keys.get(i) as string, values.subarray(start, start + this.dim));
        }
      }
      this.#parts.push(name);
    }
  }

  get size(): number {
    return this.#index.size;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  get(key: string): Float32Array | undefined {
    return this.#index.get(key);
  }

  /** The keys not cached yet, in order, without duplicates. */
  missing(keys: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const k of keys) if (!this.#index.has(k)) out.add(k);
    return [...out];
  }

  /** Adds rows as one new part file (atomically); rows already cached are skipped. */
  async put(rows: FeatureRow[]): Promise<number> {
    const fresh = new Map<string, Float32Array>();
    for (const r of rows) {
      if (r.vector.length !== this.dim) {
        throw new RangeError(
          `Cannot cache key "${r.key}": vector has ${r.vector.length} floats, expected ${this.dim}`,
        );
      }
      if (!this.#index.has(r.key)) fresh.set(r.key, r.vector);
    }
    if (fresh.size === 0) return 0;
    const name = `part-${Date.now().toString(36).padStart(9, "0")}-${crypto.randomUUID().slice(0, 8)}.arrow`;
    await this.#writePart(name, [...fresh.keys()], [...fresh.values()]);
    for (const [k, v] of fresh) this.#index.set(k, v);
    this.#parts.push(name);
    return fresh.size;
  }

  /** Folds every part into one file; readers opened before keep working on their copy. */
  async compact(): Promise<void> {
    if (this.#parts.length <= 1) return;
    const old = [...this.#parts];
    const name = `part-${Date.now().toString(36).padStart(9, "0")}-compact.arrow`;
    await this.#writePart(name, [...this.#index.keys()], [...this.#index.values()]);
    for (const p of old) await Deno.remove(join(this.dir, p)).catch(() => {});
    this.#parts = [name];
  }

  async stats(): Promise<CacheStats> {
    let bytes = 0;
    for (const p of this.#parts) bytes += (await Deno.stat(join(this.dir, p))).size;
    return { rows: this.#index.size, parts: this.#parts.length, bytes };
  }

  async #writePart(name: string, keys: string[], vectors: Float32Array[]): Promise<void> {
    const flat = new Float32Array(keys.length * this.dim);
    vectors.forEach((v, i) => flat.set(v, i * this.dim));
    const type = new FixedSizeList(this.dim, new Field("item", new Float32(), false));
    const child = makeData({ type: new Float32(), length: flat.length, data: flat });
    const vector = makeVector(makeData({ type, length: keys.length, nullCount: 0, child }));
    const table = new Table({ key: vectorFromArray(keys, new Utf8()), vector });
    const final = join(this.dir, name);
    const tmp = `${final}.tmp-${Deno.pid}`;
    try {
      const bytes = tableToIPC(table, "file");
      using file = await Deno.open(tmp, { write: true, createNew: true });
      for (let at = 0; at < bytes.byteLength;) at += await file.write(bytes.subarray(at));
      await file.syncData(); // on disk before it has a real name
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await Deno.rename(tmp, final);
    await syncDir(this.dir);
  }
}
