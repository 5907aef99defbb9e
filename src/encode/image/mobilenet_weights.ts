/**
 * Reads the MobileNetV2 that ships inside the npm package `nsfwjs` (a Keras 2.2.4 layers model saved for
 * tfjs, uint8-quantized weights, ImageNet-trained with blocks 11+ and the dense head retrained by nsfwjs),
 * from the local package files only.
 *
 * Input: 224x224 RGB, NHWC, float in [0, 1] (nsfwjs divides pixels by 255, no mean/std shift).
 * `flatten_1` (global 7x7 average pool of `out_relu`) is the 1280-d embedding; layers up to
 * `block_10_project_BN` still hold the ImageNet weights.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One Keras layer from the topology. */
export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one, in order. */
  inbound: string[];
}

/** A tfjs weight manifest entry. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32";
  quantization?: { min: number; scale: number; dtype: "uint8" };
}

/** The shipped model: topology, raw weights (for tfjs), dequantized weights (for conversion). */
export interface MobileNetWeights {
  /** The Keras `modelTopology` object, as tfjs wants it. */
  modelTopology: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** Concatenated (quantized) weight bytes as shipped. */
  weightData: ArrayBuffer;
  layers: KerasLayer[];
  /** Hex SHA-256 of the topology and weight bytes: changes when the shipped model changes. */
  hash: string;
  /** nsfwjs package version the files came from. */
  packageVersion: string;
}

/** The default embedding layer: global average pool of the last 1280-channel feature map. */
export const MOBILENET_DEFAULT_LAYER = "flatten_1";
/** The last layer that still holds ImageNet-only weights (nsfwjs retrained blocks 11+). */
export const MOBILENET_IMAGENET_LAYER = "block_10_project_BN";

let cached: Promise<MobileNetWeights> | undefined;

/** The shipped model as a tfjs layers model cut at `layer`; dispose `full` when done. */
export interface MobileNetTfjs {
  full: tf.LayersModel;
  /** Inputs to `layer`'s output. */
  sub: tf.LayersModel;
  /** Channels of `layer`'s output (the embedding size after pooling). */
  dim: number;
  weights: MobileNetWeights;
}

/** Builds the tfjs model on the active tfjs backend, cut at `layer`. */
export async function loadMobileNetTfjs(layer: string = MOBILENET_DEFAULT_LAYER): Promise<MobileNetTfjs> {
  const weights = await loadMobileNetWeights();
  const full = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: weights.modelTopology,
    weightSpecs: weights.weightSpecs,
    weightData: weights.weightData,
  }));
  const target = full.layers.find((l) => l.name === layer);
  if (!target) {
    full.dispose();
    throw new RangeError(`Cannot create MobileNetV2 encoder: unknown layer "${layer}"`);
  }
  const sub = tf.model({ inputs: full.inputs, outputs: target.output as tf.SymbolicTensor });
  const shape = sub.outputs[0].shape;
  return { full, sub, dim: shape[shape.length - 1] as number, weights };
}

/** Loads (once per process) the MobileNetV2 files from `node_modules/nsfwjs/dist/models/mobilenet_v2`. */
export function loadMobileNetWeights(): Promise<MobileNetWeights> {
  cached ??= readWeights().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function readWeights(): Promise<MobileNetWeights> {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    // dist/cjs/index.js -> dist/models/mobilenet_v2
    dir = join(dirname(require.resolve("nsfwjs")), "..", "models", "mobilenet_v2");
  } catch (err) {
    throw new Error(`Cannot find the MobileNetV2 weights: npm package "nsfwjs" is not installed (${err})`);
  }
  const json = require(join(dir, "model.min.js")) as {
    modelTopology: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  };
  const manifest = json.weightsManifest;
  const chunks: Uint8Array[] = [];
  for (const group of manifest) {
    for (const path of group.paths) {
      const base64 = require(join(dir, `${path}.min.js`)) as string;
      if (typeof base64 !== "string") {
        throw new TypeError(`Cannot read weights "${join(dir, path)}.min.js": expected a base64 string`);
      }
      chunks.push(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    }
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  const topologyText = JSON.stringify(json.modelTopology);
  const hasher = new Uint8Array(topologyText.length + bytes.length);
  hasher.set(new TextEncoder().encode(topologyText));
  hasher.set(bytes, topologyText.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", hasher));
  const hash = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  const pkg = require(join(dir, "..", "..", "..", "package.json")) as { version: string };
  const config = (json.modelTopology.model_config as { config: { layers: RawLayer[] } }).config;
  return {
    modelTopology: json.modelTopology,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: bytes.buffer,
    layers: config.layers.map((l) => ({
      name: l.name,
      className: l.class_name,
      config: l.config,
      inbound: (l.inbound_nodes[0] ?? []).map((n) => n[0]),
    })),
    hash,
    packageVersion: pkg.version,
  };
}

interface RawLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, unknown][][];
}

/** Dequantizes every weight into float32 (`q * scale + min`, as tfjs does), keyed by weight name. */
export function dequantize(weights: MobileNetWeights): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const bytes = new Uint8Array(weights.weightData);
  let offset = 0;
  for (const spec of weights.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (spec.quantization) {
      const { min, scale, dtype } = spec.quantization;
      if (dtype !== "uint8") throw new TypeError(`Cannot dequantize weight "${spec.name}": dtype "${dtype}"`);
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = bytes[offset + i] * scale + min;
      offset += size;
    } else {
      data = new Float32Array(bytes.slice(offset, offset + size * 4).buffer);
      offset += size * 4;
    }
    out.set(spec.name, { shape: spec.shape, data });
  }
  return out;
}
