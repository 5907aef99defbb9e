/**
 * The registry of pretrained encoders: how every stage finds an encoder by the name a config gives.
 *
 * - `"mobilenet-v2"` (image): MobileNetV2 (ImageNet, weights shipped in `nsfwjs`) on onnxruntime-node; its
 *   .onnx graph is built by `deno task models build`.
 * - `"mobilenet-v2-tfjs"` (image): the same network on tfjs + wasm (the reference path, slower).
 * - `"hf-text:<name>"` (text): a Hugging Face layout sentence-embedding model added with
 *   `deno task models add` (found under `options.modelsDir`), or a local folder path.
 * - `"hf-image:<name>"` (image): a Hugging Face layout image-feature-extraction model, found the same way.
 *
 * `createEncoder("image", name)` returns an `Encoder<"image">`: asking for a name of the other modality
 * fails, so callers never cast. Built-in encoders are imported lazily, so loading the registry does not
 * load onnxruntime, tfjs or transformers.js.
 *
 * @module
 */
import { modelHash, resolveModel } from "./added_models.ts";
import type { Encoder, EncoderModality, EncoderOptions } from "./encoder.ts";

/**
 * Builds an encoder. `arg` is the part of the name after the first `":"` (e.g. the folder in
 * `"hf-text:models/minilm"`), or `undefined` when the name has none.
 */
export type EncoderFactory<M extends EncoderModality> = (
  arg: string | undefined,
  options: EncoderOptions,
) => Promise<Encoder<M>>;

interface Kind<M extends EncoderModality> {
  modality: M;
  create: EncoderFactory<M>;
}

const kinds = new Map<string, Kind<EncoderModality>>();

function needArg(kind: string, arg: string | undefined): string {
  if (!arg) throw new RangeError(`Cannot create encoder "${kind}": give a folder as "${kind}:<folder>"`);
  return arg;
}

/** Adds (or replaces) the factory for names `kind` and `kind:<arg>`, encoding `modality`. */
export function registerEncoder<M extends EncoderModality>(
  kind: string,
  modality: M,
  create: EncoderFactory<M>,
): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(kind)) {
    throw new TypeError(`Cannot register encoder "${kind}": kind must match [a-z0-9][a-z0-9._-]*`);
  }
  kinds.set(kind, { modality, create } as unknown as Kind<EncoderModality>);
}

registerEncoder("mobilenet-v2", "image", async (_arg, options) => {
  const { createMobileNetEncoder } = await import("./image/mobilenet.ts");
  return await createMobileNetEncoder(options);
});
registerEncoder("mobilenet-v2-tfjs", "image", async (_arg, options) => {
  const { createMobileNetTfjsEncoder } = await import("./image/mobilenet_tfjs.ts");
  return await createMobileNetTfjsEncoder(options);
});
/** An added model's folder and options (its graph's hash keys its cached vectors), or a plain folder. */
async function hfSource(kind: "hf-text" | "hf-image", arg: string | undefined, options: EncoderOptions) {
  const modelsDir = typeof options.modelsDir === "string" ? options.modelsDir : undefined;
  const { folder, record } = await resolveModel(kind, needArg(kind, arg), modelsDir);
  const { modelsDir: _, ...rest } = options;
  if (!record) return { folder, options: rest, files: undefined };
  return { folder, options: { ...rest, fingerprint: modelHash(record).slice(0, 12) }, files: record.files };
}
registerEncoder("hf-text", "text", async (arg, options) => {
  const { createHfTextEncoder } = await import("./text/hf.ts");
  const src = await hfSource("hf-text", arg, options);
  const encoder = await createHfTextEncoder(src.folder, src.options);
  return src.files ? { ...encoder, files: src.files } : encoder;
});
registerEncoder("hf-image", "image", async (arg, options) => {
  const { createHfImageEncoder } = await import("./image/hf.ts");
  const src = await hfSource("hf-image", arg, options);
  const encoder = await createHfImageEncoder(src.folder, src.options);
  return src.files ? { ...encoder, files: src.files } : encoder;
});

/** The kinds registered so far, sorted. */
export function registeredEncoders(): string[] {
  return [...kinds.keys()].sort();
}

/** Splits `"hf-text:models/x"` into `["hf-text", "models/x"]`; a name without `":"` has no argument. */
export function parseEncoderName(name: string): [kind: string, arg: string | undefined] {
  const at = name.indexOf(":");
  return at < 0 ? [name, undefined] : [name.slice(0, at), name.slice(at + 1)];
}

function kindOf(name: string): Kind<EncoderModality> {
  const [kind] = parseEncoderName(name);
  const found = kinds.get(kind);
  if (!found) {
    const known = registeredEncoders().map((k) => `"${k}"`).join(", ") || "none";
    throw new RangeError(`Cannot create encoder "${name}": unknown kind "${kind}" (registered: ${known})`);
  }
  return found;
}

/** The modality the named encoder reads, e.g. `"image"` for `"mobilenet-v2"`. */
export function encoderModality(name: string): EncoderModality {
  return kindOf(name).modality;
}

/**
 * Creates the `modality` encoder a config names, e.g. `createEncoder("text", "hf-text:data/models/minilm")`.
 * `options` go to the factory (see each encoder's options type); `modelsDir` is where the hf kinds look
 * for added models.
 *
 * @throws {RangeError} when the name is unknown or names an encoder of another modality.
 */
export async function createEncoder<M extends EncoderModality>(
  modality: M,
  name: string,
  options: EncoderOptions = {},
): Promise<Encoder<M>> {
  const kind = kindOf(name);
  if (kind.modality !== modality) {
    throw new RangeError(
      `Cannot create ${modality} encoder "${name}": it encodes ${kind.modality}, not ${modality}`,
    );
  }
  const [, arg] = parseEncoderName(name);
  return await (kind as unknown as Kind<M>).create(arg, options);
}
