/**
 * The common encoder interface and an open registry of encoder factories.
 *
 * Every encoder turns a batch of inputs of one modality into one embedding per input:
 * `encode(batch)` resolves to `Float32Array[]` with `batch.length` entries, each of length `dim`
 * (one array per input, so callers can store, cache or drop rows independently). Encoders hold
 * native or wasm resources: call `close()` when done.
 *
 * Names picked in config:
 * - `"mobilenet-v2"`: MobileNetV2 (ImageNet, weights shipped in `nsfwjs`) on onnxruntime-node.
 * - `"mobilenet-v2-tfjs"`: the same network on tfjs + wasm (the reference path, slower).
 * - `"hf-text:<folder>"`: a Hugging Face layout sentence-embedding model in a local folder.
 * - `"hf-image:<folder>"`: a Hugging Face layout image-feature-extraction model in a local folder.
 * Other modules add theirs with {@linkcode registerEncoder} (e.g. `"ngrams"`, `"fasttext"`).
 *
 * @module
 */

/** What an encoder reads. */
export type Modality = "text" | "image";

/** Raw interleaved 8-bit pixels (row-major, `channels` per pixel: 1 grey, 3 RGB or 4 RGBA). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/**
 * An image to encode: a file path, the encoded file bytes (JPEG, PNG, WebP, GIF...), or raw pixels.
 * Image encoders decode and resize with sharp themselves.
 */
export type ImageInput = string | Uint8Array | RawImage;

/** The input type of each modality. */
export interface ModalityInput {
  text: string;
  image: ImageInput;
}

/** One loaded encoder. */
export interface Encoder<M extends Modality = Modality> {
  /** Stable name of the encoder and its settings, e.g. `"mobilenet-v2@flatten_1"`; part of feature cache keys. */
  readonly id: string;
  /** Version of the weights and code; bump when outputs change. Part of feature cache keys. */
  readonly version: string;
  readonly modality: M;
  /** Length of each output embedding. */
  readonly dim: number;
  /** Encodes a batch; resolves to one `Float32Array` of length `dim` per input, in input order. */
  encode(batch: ModalityInput[M][]): Promise<Float32Array[]>;
  /** Frees native resources; the encoder must not be used afterwards. */
  close(): Promise<void>;
}

export type TextEncoderModel = Encoder<"text">;
export type ImageEncoderModel = Encoder<"image">;

/** Options passed through to a factory; each factory documents the keys it reads. */
export type EncoderOptions = Record<string, unknown>;

/**
 * Builds an encoder. `arg` is the part of the name after the first `":"` (e.g. the folder in
 * `"hf-text:models/minilm"`), or `undefined` when the name has none.
 */
export type EncoderFactory = (arg: string | undefined, options: EncoderOptions) => Promise<Encoder>;

const factories = new Map<string, EncoderFactory>();

function needArg(kind: string, arg: string | undefined): string {
  if (!arg) throw new RangeError(`Cannot create encoder "${kind}": give a folder as "${kind}:<folder>"`);
  return arg;
}

// Built-in encoders, imported lazily so loading the registry does not load onnxruntime or tfjs.
factories.set("mobilenet-v2", async (_arg, options) => {
  const { createMobileNetEncoder } = await import("./mobilenet.ts");
  return await createMobileNetEncoder(options);
});
factories.set("mobilenet-v2-tfjs", async (_arg, options) => {
  const { createMobileNetTfjsEncoder } = await import("./mobilenet_tfjs.ts");
  return await createMobileNetTfjsEncoder(options);
});
factories.set("hf-text", async (arg, options) => {
  const folder = needArg("hf-text", arg);
  const { createHfTextEncoder } = await import("./hf_text.ts");
  return await createHfTextEncoder(folder, options);
});
factories.set("hf-image", async (arg, options) => {
  const folder = needArg("hf-image", arg);
  const { createHfImageEncoder } = await import("./hf_image.ts");
  return await createHfImageEncoder(folder, options);
});

/** Adds (or replaces) the factory for names `kind` and `kind:<arg>`. */
export function registerEncoder(kind: string, factory: EncoderFactory): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(kind)) {
    throw new TypeError(`Cannot register encoder "${kind}": kind must match [a-z0-9][a-z0-9._-]*`);
  }
  factories.set(kind, factory);
}

/** The kinds registered so far, sorted. */
export function registeredEncoders(): string[] {
  return [...factories.keys()].sort();
}

/** Splits `"hf-text:models/x"` into `["hf-text", "models/x"]`; a name without `":"` has no argument. */
export function parseEncoderName(name: string): [kind: string, arg: string | undefined] {
  const at = name.indexOf(":");
  return at < 0 ? [name, undefined] : [name.slice(0, at), name.slice(at + 1)];
}

/**
 * Creates the encoder a config names, e.g. `createEncoder("hf-text:data/models/minilm", {})`.
 * `options` go to the factory unchanged (see each encoder's options type).
 */
export async function createEncoder(name: string, options: EncoderOptions = {}): Promise<Encoder> {
  const [kind, arg] = parseEncoderName(name);
  const factory = factories.get(kind);
  if (!factory) {
    const known = registeredEncoders().map((k) => `"${k}"`).join(", ") || "none";
    throw new RangeError(`Cannot create encoder "${name}": unknown kind "${kind}" (registered: ${known})`);
  }
  return await factory(arg, options);
}

/** L2-normalizes `v` in place (a zero vector stays zero) and returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) { for (let i = 0; i < v.length; i++) v[i] /= n; }
  return v;
}
