/**
 * The common encoder interface. Every encoder turns a batch of inputs of one modality into one embedding
 * per input: `encode(batch)` resolves to `Float32Array[]` with `batch.length` entries, each of length
 * `dim` (one array per input, so callers can store, cache or drop rows independently). Encoders hold
 * native or wasm resources: call `close()` when done. They are found by name through ./registry.ts.
 *
 * @module
 */
import type { ImageInput, Modality } from "@/core/mod.ts";

/** What an encoder reads: the modalities that have pretrained encoders. */
export type EncoderModality = Extract<Modality, "text" | "image">;

/** The input type of each encoder modality. */
export interface EncoderInput {
  text: string;
  image: ImageInput;
}

/** One loaded encoder. */
export interface Encoder<M extends EncoderModality = EncoderModality> {
  /** Stable name of the encoder and its settings, e.g. `"mobilenet-v2@flatten_1"`; part of feature cache keys. */
  readonly id: string;
  /** Version of the weights and code; bump when outputs change. Part of feature cache keys. */
  readonly version: string;
  readonly modality: M;
  /** Where it runs, e.g. `"onnxruntime-node webgpu"`: printed by scripts, recorded in manifests. */
  readonly runtime?: string;
  /**
   * The files it runs, path (relative to its folder) → sha256, when known (models added with
   * `deno task models add`): recorded in run manifests.
   */
  readonly files?: Readonly<Record<string, string>>;
  /** Length of each output embedding. */
  readonly dim: number;
  /** Encodes a batch; resolves to one `Float32Array` of length `dim` per input, in input order. */
  encode(batch: EncoderInput[M][]): Promise<Float32Array[]>;
  /** Frees native resources; the encoder must not be used afterwards. */
  close(): Promise<void>;
}

export type TextEncoderModel = Encoder<"text">;
export type ImageEncoderModel = Encoder<"image">;

/** Options passed through to a factory; each factory documents the keys it reads. */
export type EncoderOptions = Record<string, unknown>;
