/**
 * Save/load of a fusion model to a folder without tfjs's network handlers: model.json + weights.bin
 * (tfjs layers format) and model_meta.json (tags, thresholds, input sizes, encoder ids, metadata transform,
 * config).
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Modality } from "@/core/mod.ts";
import { type FusionConfig, resolveFusionConfig, type SparseTextConfig } from "./config.ts";
import "./layers.ts"; // registers the custom layers before deserialisation
import type { FusionModel } from "./network.ts";

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Contents of model_meta.json. */
export interface ModelMeta {
  format: "fusion-model";
  version: 1;
  /** Tag vocabulary, in output order. */
  tags: string[];
  /** Decision threshold per tag, in output order. */
  thresholds: number[];
  /** Dense input width per modality (0: absent). */
  inputSizes: Record<Modality, number>;
  /** Sparse text input, if used. */
  sparseText: SparseTextConfig | null;
  /** Encoder id per input, opaque strings from the caller (e.g. { text: "onnx:e5-small@ab12" }). */
  encoders: Record<string, string>;
  /** The metadata feature transform, opaque JSON from the caller. */
  metadataTransform: JsonValue;
  /** The network configuration. */
  config: FusionConfig;
}

/** Options of `saveFusionModel`. */
export interface SaveOptions {
  /** Tag names in output order. @default ["tag_1", ..., "tag_K"] */
  tags?: string[];
  /** Threshold per tag. @default 0.5 for every tag */
  thresholds?: number[] | Float32Array;
  /** Encoder ids. @default {} */
  encoders?: Record<string, string>;
  /** Metadata transform. @default null */
  metadataTransform?: JsonValue;
}

export const MODEL_FILE = "model.json";
export const WEIGHTS_FILE = "weights.bin";
export const META_FILE = "model_meta.json";

function joinWeights(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/** Writes model.json, weights.bin and model_meta.json into `dir` (created if missing); returns the meta. */
export async function saveFusionModel(
  model: FusionModel,
  dir: string,
  options: SaveOptions = {},
): Promise<ModelMeta> {
  const k = model.config.numTags;
  const tags = options.tags ?? Array.from({ length: k }, (_, i) => `tag_${i + 1}`);
  const thresholds = Array.from(options.thresholds ?? new Array(k).fill(0.5), Number);
  if (tags.length !== k || thresholds.length !== k) {
    throw new RangeError(
      `Cannot save fusion model to "${dir}": expected ${k} tags and thresholds, got "${tags.length}" and "${thresholds.length}"`,
    );
  }
  const meta: ModelMeta = {
    format: "fusion-model",
    version: 1,
    tags,
    thresholds,
    inputSizes: model.config.inputSizes,
    sparseText: model.config.sparseText,
    encoders: options.encoders ?? {},
    metadataTransform: options.metadataTransform ?? null,
    config: model.config,
  };
  await Deno.mkdir(dir, { recursive: true });
  await model.network.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = joinWeights(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
    const modelJson = {
      format: "layers-model",
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    };
    await Deno.writeFile(join(dir, WEIGHTS_FILE), weights);
    await Deno.writeTextFile(join(dir, MODEL_FILE), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  await Deno.writeTextFile(join(dir, META_FILE), JSON.stringify(meta, null, 2) + "\n");
  return meta;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`Cannot load fusion model ${what} "${path}": ${(e as Error).message}`);
  }
}

/** Loads a model written by `saveFusionModel`. */
export async function loadFusionModel(dir: string): Promise<{ model: FusionModel; meta: ModelMeta }> {
  const meta = JSON.parse(await readText(join(dir, META_FILE), "meta")) as ModelMeta;
  if (meta.format !== "fusion-model" || meta.version !== 1) {
    throw new Error(
      `Cannot load fusion model "${dir}": unsupported meta format "${meta.format}" version "${meta.version}"`,
    );
  }
  const modelJson = JSON.parse(await readText(join(dir, MODEL_FILE), "topology"));
  const weights = await Deno.readFile(join(dir, WEIGHTS_FILE));
  const network = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) =>
      g.weights
    ),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
  return { model: { network, config: resolveFusionConfig(meta.config) }, meta };
}
