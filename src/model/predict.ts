/** Batched prediction: probabilities per post and tag. */
import * as tf from "@tensorflow/tfjs";
import { checkFusionData, createBatcher, type FusionData, maskRows } from "./data.ts";
import type { FusionModel } from "./network.ts";

/** Options of `predict`. */
export interface PredictOptions {
  /** Posts per forward pass. @default 1024 */
  batchSize?: number;
}

/** Returns count x numTags probabilities (row-major). */
export async function predict(
  model: FusionModel,
  data: FusionData,
  options: PredictOptions = {},
): Promise<Float32Array> {
  const { batchSize = 1024 } = options;
  const { network, config } = model;
  checkFusionData(data, config, false);
  const k = config.numTags;
  const out = new Float32Array(data.count * k);
  const batcher = createBatcher(data, config, network.inputNames, false);
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const idx = new Int32Array(Math.min(batchSize, data.count - start)).map((_, j) => start + j);
      const probs = tf.tidy(() =>
        network.apply(batcher.inputs(idx, maskRows(data, idx)), { training: false }) as tf.Tensor
      );
      const values = await probs.data();
      probs.dispose();
      out.set(values as Float32Array, start * k);
    }
  } finally {
    batcher.dispose();
  }
  return out;
}
