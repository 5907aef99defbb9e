/**
 * In-domain self-supervised text vectors: a fastText subword model (skipgram or cbow) trained on
 * the unlabeled texts of the training window, and sentence vectors from it (fastText's average of
 * the L2-normalized word vectors, each word vector built from the word and its character n-grams,
 * so unseen and misspelt words still get a vector).
 *
 * Two backends run the same fastText code:
 * - `native`: Debian's `fasttext` binary (`/usr/bin/fasttext`, package `fasttext`), multi-threaded;
 * - `wasm`: the npm package `@echogarden/fasttext-wasm` (single thread, about 20x slower to train).
 * `auto` picks `native` when the binary runs, `wasm` otherwise; both read and write the same
 * `model.bin`, so a model trained by one is encoded by the other.
 *
 * Texts are tokenized like the n-gram encoder (NFKC, lowercase, punctuation and emoji as tokens)
 * and written one per line. The sentence vectors of the training texts give a mean and a standard
 * deviation per dimension; `encode()` standardizes with them and L2-normalizes, because raw
 * fastText sentence vectors share a large common direction.
 *
 * State: a folder holding `model.bin` and `state.json`.
 *
 * @module
 */

import { createRequire } from "node:module";
import { join } from "node:path";
import { tokenize } from "./text_ngrams.ts";

/** Identifier of this encoder in feature-cache keys. */
export const TEXT_FASTTEXT_ID = "text-fasttext";
/** Bumped whenever the vectors for the same model and text would change. */
export const TEXT_FASTTEXT_VERSION = 1;

/** Which fastText implementation runs. */
export type FastTextBackend = "native" | "wasm";

/** Options of {@link TextFastTextEncoder.fit}. */
export interface TextFastTextOptions {
  /** Folder for `model.bin` and `state.json`; created if missing. @default a new temp dir */
  dir?: string;
  /** Training objective. @default "skipgram" */
  model?: "skipgram" | "cbow";
  /** Output loss: negative sampling, or the hierarchical softmax (no 10M-entry negatives table,
   * so a wasm model loads in milliseconds instead of seconds). @default "ns" */
  loss?: "ns" | "hs";
  /** Vector size. @default 100 */
  dim?: number;
  /** Shortest character n-gram. @default 2 */
  minn?: number;
  /** Longest character n-gram. @default 5 */
  maxn?: number;
  /** Passes over the texts. @default 5 */
  epoch?: number;
  /** Words seen fewer times are left to their subwords. @default 3 */
  minCount?: number;
  /** Hash buckets of the character n-grams (model size: (words + bucket) x dim floats). @default 200000 */
  bucket?: number;
  /** Context window. @default 5 */
  ws?: number;
  /** Learning rate. @default 0.05 */
  lr?: number;
  /** Training threads (native only; 1 makes training reproducible). @default 2 */
  thread?: number;
  /** Random seed. @default 0 */
  seed?: number;
  /** Implementation to use. @default "auto" */
  backend?: FastTextBackend | "auto";
  /** The native binary. @default "fasttext" (found on PATH) */
  binary?: string;
}

type TrainOptions = Required<Omit<TextFastTextOptions, "dir" | "backend" | "binary">>;

/** Contents of `state.json`. */
export interface TextFastTextState {
  id: typeof TEXT_FASTTEXT_ID;
  version: number;
  /** The backend that trained the model. */
  backend: FastTextBackend;
  options: TrainOptions;
  /** Training texts. */
  docs: number;
  /** Per-dimension mean of the training sentence vectors. */
  mean: number[];
  /** Per-dimension standard deviation of the training sentence vectors. */
  std: number[];
}

const TRAIN_DEFAULTS: TrainOptions = {
  model: "skipgram",
  loss: "ns",
  dim: 100,
  minn: 2,
  maxn: 5,
  epoch: 5,
  minCount: 3,
  bucket: 200_000,
  ws: 5,
  lr: 0.05,
  thread: 2,
  seed: 0,
};
const OPTION_KEYS = new Set([...Object.keys(TRAIN_DEFAULTS), "dir", "backend", "binary"]);

/** One line per text: the n-gram encoder's tokens joined by spaces. */
export function fastTextLine(text: string): string {
  return tokenize(text).join(" ");
}

/** Whether the native `fasttext` binary runs here. */
export async function nativeFastTextAvailable(binary = "fasttext"): Promise<boolean> {
  try {
    // fastText prints its usage and exits 1 without arguments; spawning at all is the test
    await new Deno.Command(binary, { stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}

async function runNative(binary: string, args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(binary, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // read the output while writing the input: a full stdout pipe would otherwise stall both sides
  const writing = stdin
    ? (async () => {
      const writer = child.stdin.getWriter();
      await writer.write(stdin);
      await writer.close();
    })()
    : Promise.resolve();
  const [out] = await Promise.all([child.output(), writing]);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`Cannot run "${binary} ${args[0]}": exit code ${out.code}, "${err}"`);
  }
  return out.stdout;
}

// ---- the wasm backend -------------------------------------------------------------------

/** The parts of the Emscripten module of @echogarden/fasttext-wasm this file uses. */
interface WasmModule {
  FS: { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array };
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  FastText: new () => WasmFastText;
  Args: new () => Record<string, unknown>;
  ModelName: Record<string, unknown>;
  LossName: Record<string, unknown>;
}
interface WasmFastText {
  train(args: Record<string, unknown>, callback: () => void): void;
  saveModel(path: string): void;
  loadModel(path: string): void;
  getSentenceVector(buffer: { ptr: number; size: number; buffer: ArrayBuffer }, text: string): void;
  getDimension(): number;
}

let wasmModule: Promise<WasmModule> | undefined;

function loadWasm(): Promise<WasmModule> {
  wasmModule ??= (async () => {
    // the package's own entry fetches the .wasm by a path, which fails under Deno; load the
    // Emscripten factory directly and hand it the bytes
    const require = createRequire(import.meta.url);
    const factoryPath = require.resolve("@echogarden/fasttext-wasm/fasttext_wasm.cjs");
    const factory = require(factoryPath) as (m: { wasmBinary: Uint8Array }) => Promise<WasmModule>;
    const wasmBinary = await Deno.readFile(factoryPath.replace(/\.cjs$/, ".wasm"));
    return await factory({ wasmBinary });
  })();
  return wasmModule;
}

async function trainWasm(inputFile: string, modelFile: string, o: TrainOptions): Promise<void> {
  const m = await loadWasm();
  m.FS.writeFile("train.txt", await Deno.readFile(inputFile));
  const args = new m.Args();
  Object.assign(args, {
    dim: o.dim,
    minn: o.minn,
    maxn: o.maxn,
    epoch: o.epoch,
    minCount: o.minCount,
    bucket: o.bucket,
    ws: o.ws,
    lr: o.lr,
    seed: o.seed,
    verbose: 0,
    thread: 1,
    input: "train.txt",
  });
  args.model = m.ModelName[o.model];
  args.loss = m.LossName[o.loss];
  const ft = new m.FastText();
  ft.train(args, () => {});
  ft.saveModel("model.bin");
  await Deno.writeFile(modelFile, m.FS.readFile("model.bin"));
}

/** Loaded wasm models by file, so repeated `encode()` calls load a model once. */
const wasmModels = new Map<string, WasmFastText>();

async function sentenceVectorsWasm(modelFile: string, lines: string[], dim: number): Promise<Float32Array> {
  const m = await loadWasm();
  let ft = wasmModels.get(modelFile);
  if (!ft) {
    m.FS.writeFile("model.bin", await Deno.readFile(modelFile));
    ft = new m.FastText();
    ft.loadModel("model.bin");
    wasmModels.set(modelFile, ft);
  }
  const out = new Float32Array(lines.length * dim);
  const ptr = m._malloc(dim * 4);
  try {
    for (let i = 0; i < lines.length; i++) {
      ft.getSentenceVector({ ptr, size: dim, buffer: m.HEAPU8.buffer as ArrayBuffer }, lines[i] + "\n");
      out.set(new Float32Array(m.HEAPU8.buffer, ptr, dim), i * dim);
    }
  } finally {
    m._free(ptr);
  }
  return out;
}

// ---- the encoder ------------------------------------------------------------------------

async function sentenceVectors(
  backend: FastTextBackend,
  binary: string,
  modelFile: string,
  lines: string[],
  dim: number,
): Promise<Float32Array> {
  if (backend === "wasm") return await sentenceVectorsWasm(modelFile, lines, dim);
  const stdout = await runNative(
    binary,
    ["print-sentence-vectors", modelFile],
    new TextEncoder().encode(lines.map((l) => l + "\n").join("")),
  );
  const rows = new TextDecoder().decode(stdout).split("\n");
  const out = new Float32Array(lines.length * dim);
  for (let i = 0; i < lines.length; i++) {
    const parts = (rows[i] ?? "").trim().split(" ");
    if (parts.length !== dim) {
      throw new Error(`Cannot read fastText sentence vector ${i}: "${parts.length}" values, expected ${dim}`);
    }
    for (let d = 0; d < dim; d++) out[i * dim + d] = Number(parts[d]);
  }
  return out;
}

/** A fitted fastText sentence encoder backed by a model folder. */
export class TextFastTextEncoder {
  readonly id = TEXT_FASTTEXT_ID;
  readonly version = TEXT_FASTTEXT_VERSION;
  readonly dir: string;
  readonly state: TextFastTextState;
  /** The backend `encode()` uses (may differ from the one that trained). */
  readonly backend: FastTextBackend;
  readonly #binary: string;

  private constructor(dir: string, state: TextFastTextState, backend: FastTextBackend, binary: string) {
    this.dir = dir;
    this.state = state;
    this.backend = backend;
    this.#binary = binary;
  }

  /** Vector size. */
  get dim(): number {
    return this.state.options.dim;
  }

  /** Trains a model on `texts` and writes `model.bin` and `state.json` into `opts.dir`. */
  static async fit(texts: readonly string[], opts: TextFastTextOptions = {}): Promise<TextFastTextEncoder> {
    for (const key of Object.keys(opts)) {
      if (!OPTION_KEYS.has(key)) throw new TypeError(`Cannot fit fastText encoder: unknown option "${key}"`);
    }
    const o: TrainOptions = { ...TRAIN_DEFAULTS };
    for (const key of Object.keys(TRAIN_DEFAULTS) as (keyof TrainOptions)[]) {
      if (opts[key] !== undefined) (o as Record<string, unknown>)[key] = opts[key];
    }
    if (o.model !== "skipgram" && o.model !== "cbow") {
      throw new RangeError(`Cannot fit fastText encoder: unknown model "${o.model}"`);
    }
    if (o.loss !== "ns" && o.loss !== "hs") {
      throw new RangeError(`Cannot fit fastText encoder: unknown loss "${o.loss}"`);
    }
    const binary = opts.binary ?? "fasttext";
    const backend = await pickBackend(opts.backend ?? "auto", binary);
    const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "text_fasttext_" });
    await Deno.mkdir(dir, { recursive: true });
    const lines = texts.map(fastTextLine);
    const inputFile = join(dir, "train.txt");
    await Deno.writeTextFile(inputFile, lines.map((l) => l + "\n").join(""));
    const modelFile = join(dir, "model.bin");
    try {
      if (backend === "native") {
        const flags = Object.entries(o).filter(([k]) => k !== "model").flatMap((
          [k, v],
        ) => [`-${k}`, String(v)]);
        await runNative(binary, [
          o.model,
          "-input",
          inputFile,
          "-output",
          join(dir, "model"),
          ...flags,
          "-verbose",
          "0",
        ]);
        await Deno.remove(join(dir, "model.vec")).catch(() => {});
      } else {
        wasmModels.delete(modelFile);
        await trainWasm(inputFile, modelFile, o);
      }
    } finally {
      await Deno.remove(inputFile).catch(() => {});
    }
    const vectors = await sentenceVectors(backend, binary, modelFile, lines, o.dim);
    const { mean, std } = columnStats(vectors, o.dim);
    const state: TextFastTextState = {
      id: TEXT_FASTTEXT_ID,
      version: TEXT_FASTTEXT_VERSION,
      backend,
      options: o,
      docs: texts.length,
      mean,
      std,
    };
    await Deno.writeTextFile(join(dir, "state.json"), JSON.stringify(state, null, 1));
    return new TextFastTextEncoder(dir, state, backend, binary);
  }

  /** Opens a model folder written by {@link TextFastTextEncoder.fit}. */
  static async load(
    dir: string,
    opts: { backend?: FastTextBackend | "auto"; binary?: string } = {},
  ): Promise<TextFastTextEncoder> {
    const state = JSON.parse(await Deno.readTextFile(join(dir, "state.json"))) as TextFastTextState;
    if (state.id !== TEXT_FASTTEXT_ID || state.version !== TEXT_FASTTEXT_VERSION) {
      throw new TypeError(
        `Cannot load fastText encoder "${dir}": state is "${state.id}@${state.version}", expected "${TEXT_FASTTEXT_ID}@${TEXT_FASTTEXT_VERSION}"`,
      );
    }
    const binary = opts.binary ?? "fasttext";
    return new TextFastTextEncoder(dir, state, await pickBackend(opts.backend ?? "auto", binary), binary);
  }

  /** Raw fastText sentence vectors, row-major `texts.length x dim`. */
  async encodeRaw(texts: readonly string[]): Promise<Float32Array> {
    return await sentenceVectors(
      this.backend,
      this.#binary,
      join(this.dir, "model.bin"),
      texts.map(fastTextLine),
      this.dim,
    );
  }

  /** Standardized, L2-normalized sentence vectors, row-major `texts.length x dim`. */
  async encode(texts: readonly string[]): Promise<Float32Array> {
    const v = await this.encodeRaw(texts);
    const { mean, std } = this.state;
    const dim = this.dim;
    for (let r = 0; r < texts.length; r++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const x = (v[r * dim + d] - mean[d]) / std[d];
        v[r * dim + d] = x;
        norm += x * x;
      }
      const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < dim; d++) v[r * dim + d] *= inv;
    }
    return v;
  }
}

async function pickBackend(choice: FastTextBackend | "auto", binary: string): Promise<FastTextBackend> {
  if (choice === "wasm") return "wasm";
  const native = await nativeFastTextAvailable(binary);
  if (choice === "native" && !native) {
    throw new Error(`Cannot use the native fastText backend: binary "${binary}" does not run`);
  }
  return native ? "native" : "wasm";
}

function columnStats(v: Float32Array, dim: number): { mean: number[]; std: number[] } {
  const rows = v.length / dim;
  const mean = new Array<number>(dim).fill(0), sq = new Array<number>(dim).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) mean[d] += v[r * dim + d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(rows, 1);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) sq[d] += (v[r * dim + d] - mean[d]) ** 2;
  }
  return { mean, std: sq.map((s) => Math.sqrt(s / Math.max(rows, 1)) || 1) };
}

/** Times training on `texts` and encoding them; returns the figures. */
export async function benchTextFastText(
  texts: readonly string[],
  opts: TextFastTextOptions = {},
): Promise<Record<string, number | string>> {
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "bench_fasttext_" });
  try {
    let t0 = performance.now();
    const enc = await TextFastTextEncoder.fit(texts, { ...opts, dir });
    const fitSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await enc.encode(texts);
    const encodeSeconds = (performance.now() - t0) / 1000;
    return {
      encoder: `${TEXT_FASTTEXT_ID}@${TEXT_FASTTEXT_VERSION}`,
      backend: enc.backend,
      texts: texts.length,
      dim: enc.dim,
      fitSeconds,
      encodeTextsPerSecond: texts.length / Math.max(encodeSeconds, 1e-9),
      modelBytes: (await Deno.stat(join(dir, "model.bin"))).size,
    };
  } finally {
    if (opts.dir === undefined) await Deno.remove(dir, { recursive: true });
  }
}
