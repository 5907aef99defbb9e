/** The plain typed-array data the fusion model trains and predicts on, and how batches are cut from it. */
import * as tf from "@tensorflow/tfjs";
import { MODALITIES, type Modality } from "@/core/mod.ts";
import { type FusionConfig, hasModality } from "./config.ts";
import { uploadFloat32 } from "./gpu_upload.ts";
import { MASK_INPUT, ROWS_INPUT_SUFFIX } from "./network.ts";

/** Rows of posts as dense, row-major typed arrays. */
export interface FusionData {
  /** Number of posts (rows). */
  count: number;
  /** count x inputSizes.text dense text vectors (with sparse text: sentence embeddings beside the bag). */
  text?: Float32Array;
  /** count x sparseText.maxTokens hashed n-gram ids (sparse text). */
  textIds?: Int32Array;
  /** count x sparseText.maxTokens TF-IDF weights, 0 for padding (sparse text). */
  textWeights?: Float32Array;
  /** count x inputSizes.image. */
  image?: Float32Array;
  /** count x inputSizes.video. */
  video?: Float32Array;
  /** count x inputSizes.metadata. */
  metadata?: Float32Array;
  /** count x 4 presence bits in MODALITIES order (text, image, video, metadata). */
  mask: Uint8Array;
  /** count x numTags 0/1 labels (training and validation only). */
  labels?: Uint8Array;
}

type ArrayKey = Exclude<keyof FusionData, "count" | "mask" | "labels">;

interface InputSource {
  name: string;
  key: ArrayKey;
  width: number;
  dtype: "float32" | "int32";
}

function sources(config: FusionConfig): InputSource[] {
  const out: InputSource[] = [];
  for (const m of MODALITIES) {
    if (!hasModality(config, m)) continue;
    if (m === "text" && config.sparseText) {
      const width = config.sparseText.maxTokens;
      out.push({ name: "text_ids", key: "textIds", width, dtype: "int32" });
      out.push({ name: "text_weights", key: "textWeights", width, dtype: "float32" });
      if (config.inputSizes.text > 0) {
        out.push({ name: "text", key: "text", width: config.inputSizes.text, dtype: "float32" });
      }
    } else {
      out.push({ name: m, key: m as Modality, width: config.inputSizes[m], dtype: "float32" });
    }
  }
  return out;
}

/** Checks that every array the model needs is there with count x width values; throws a RangeError if not. */
export function checkFusionData(data: FusionData, config: FusionConfig, needLabels: boolean): void {
  const expect = (name: string, arr: { length: number } | undefined, width: number) => {
    if (!arr) throw new RangeError(`Cannot use fusion data: "${name}" is missing`);
    if (arr.length !== data.count * width) {
      throw new RangeError(
        `Cannot use fusion data: "${name}" has "${arr.length}" values, expected ${data.count} x ${width}`,
      );
    }
  };
  for (const s of sources(config)) expect(s.key, data[s.key], s.width);
  expect("mask", data.mask, MODALITIES.length);
  if (config.sparseText && data.textIds) {
    const { buckets } = config.sparseText;
    const bad = data.textIds.findIndex((id) => id < 0 || id >= buckets);
    if (bad >= 0) {
      throw new RangeError(
        `Cannot use fusion data: text id "${data.textIds[bad]}" of post ${
          Math.floor(bad / config.sparseText.maxTokens)
        } is outside the ${buckets} hash buckets`,
      );
    }
  }
  if (needLabels) expect("labels", data.labels, config.numTags);
}

function gatherRows<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  width: number,
  idx: Int32Array,
): T {
  const out = new (src.constructor as new (n: number) => T)(idx.length * width);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    out.set(src.subarray(i * width, (i + 1) * width), j * width);
  }
  return out;
}

/** Cuts batches of input tensors (in the network's input order) and label tensors out of `data`. */
export interface Batcher {
  /**
   * Input tensors for rows `idx`, with `mask` (idx.length x 4) as the presence mask; inputs named in `given`
   * are taken from there (the outputs of embedding bags computed outside the network).
   */
  inputs(idx: Int32Array, mask: Uint8Array, given?: Array<[string, tf.Tensor]>): tf.Tensor[];
  /** Float32 labels [idx.length, numTags]. */
  labels(idx: Int32Array): tf.Tensor2D;
  dispose(): void;
}

/**
 * Creates a batcher. With `onDevice`, each array is uploaded once and batches are gathered on the device
 * (for GPU backends); otherwise rows are copied on the host and uploaded per batch. A modality whose
 * `<modality>_rows` input is in `inputOrder` is packed: its input holds only the rows whose mask bit is
 * set (one zero row when none is), and `<modality>_rows` their positions in the batch.
 */
export function createBatcher(
  data: FusionData,
  config: FusionConfig,
  inputOrder: string[],
  onDevice: boolean,
): Batcher {
  const absentCols = MODALITIES.flatMap((m, col) => hasModality(config, m) ? [] : [col]);
  const packed = new Map(
    MODALITIES.flatMap((m, col) => inputOrder.includes(m + ROWS_INPUT_SUFFIX) ? [[m as string, col]] : []),
  );
  const givenNames = new Set(
    inputOrder.filter((n) =>
      n !== MASK_INPUT && !n.endsWith(ROWS_INPUT_SUFFIX) && !sources(config).some((s) => s.name === n)
    ),
  );
  const srcs = new Map(
    sources(config).filter((s) => inputOrder.includes(s.name)).map((s) => [s.name, s]),
  );
  const k = config.numTags;
  const big = new Map<string, tf.Tensor2D>();
  if (onDevice) {
    // uploadFloat32: tfjs' own webgpu upload ran at ~35 MB/s, too slow for hundreds of MB of features
    for (const s of srcs.values()) {
      const values = data[s.key]!;
      big.set(
        s.name,
        (s.dtype === "float32"
          ? uploadFloat32(values as Float32Array, [data.count, s.width])
          : tf.tensor2d(values, [data.count, s.width], s.dtype)) as tf.Tensor2D,
      );
    }
    if (data.labels) {
      big.set("__labels", uploadFloat32(Float32Array.from(data.labels), [data.count, k]) as tf.Tensor2D);
    }
  }
  const take = (name: string, idx: Int32Array): tf.Tensor2D => {
    const s = srcs.get(name)!;
    if (onDevice) return tf.tidy(() => tf.gather(big.get(name)!, tf.tensor1d(idx, "int32")));
    return tf.tensor2d(gatherRows(data[s.key]!, s.width, idx), [idx.length, s.width], s.dtype);
  };
  return {
    inputs(idx, mask, given = []) {
      const named = new Map(given);
      const present = new Map<string, Int32Array>();
      for (const [m, col] of packed) {
        const at: number[] = [];
        for (let j = 0; j < idx.length; j++) if (mask[j * MODALITIES.length + col]) at.push(j);
        present.set(m, Int32Array.from(at));
      }
      return inputOrder.map((name) => {
        if (name === MASK_INPUT) {
          // A modality the model does not have counts as absent (its mask column never saw a 1 in training).
          const m = Float32Array.from(mask);
          for (const col of absentCols) {
            for (let j = 0; j < idx.length; j++) m[j * MODALITIES.length + col] = 0;
          }
          return tf.tensor2d(m, [idx.length, MODALITIES.length]);
        }
        if (givenNames.has(name)) {
          const t = named.get(name);
          if (!t) throw new RangeError(`Cannot cut an input batch: input "${name}" was not given`);
          return t;
        }
        if (name.endsWith(ROWS_INPUT_SUFFIX)) {
          const at = present.get(name.slice(0, -ROWS_INPUT_SUFFIX.length))!;
          return tf.tensor2d(at.length > 0 ? at : Int32Array.of(0), [Math.max(at.length, 1), 1], "int32");
        }
        const at = present.get(name);
        if (!at) return take(name, idx);
        // No present row: one zero row at position 0 (its mask bit is 0, so the gate zeroes it again).
        if (at.length === 0) return tf.zeros([1, srcs.get(name)!.width]);
        return take(name, at.map((j) => idx[j]));
      });
    },
    labels(idx) {
      if (!data.labels) throw new RangeError("Cannot cut a label batch: fusion data has no labels");
      if (onDevice) return tf.tidy(() => tf.gather(big.get("__labels")!, tf.tensor1d(idx, "int32")));
      return tf.tensor2d(Float32Array.from(gatherRows(data.labels, k, idx)), [idx.length, k]);
    },
    dispose() {
      for (const t of big.values()) t.dispose();
      big.clear();
    },
  };
}

/** Rows `idx` of the presence mask. */
export function maskRows(data: FusionData, idx: Int32Array): Uint8Array {
  return gatherRows(data.mask, MODALITIES.length, idx);
}
