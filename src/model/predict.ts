/** Batched prediction: probabilities per post and tag. */
import * as tf from "@tensorflow/tfjs";
import { checkFusionData, createBatcher, type FusionData, maskRows } from "./data.ts";
import { bagTensors, readBags, textBagRows } from "./host_bags.ts";
import { type FusionModel, hostInputsModel } from "./network.ts";

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
  // Embedding bags are summed on the host (only the non-zero n-grams) and image and video rows are packed.
  const bags = readBags(network);
  const net = hostInputsModel(network, config);
  const batcher = createBatcher(data, config, net.inputNames, false);
  const rows = textBagRows(data);
  try {
    for (let start = 0; start < data.count; start += batchSize) {
      const idx = new Int32Array(Math.min(batchSize, data.count - start)).map((_, j) => start + j);
      const given = bagTensors(bags, rows, idx);
      const probs = tf.tidy(() => {
        const logits = net.apply(batcher.inputs(idx, maskRows(data, idx), given), { training: false });
        return tf.sigmoid(logits as tf.Tensor);
      });
      tf.dispose(given.map(([, t]) => t));
      const values = await probs.data();
      probs.dispose();
      out.set(values as Float32Array, start * k);
    }
  } finally {
    batcher.dispose();
  }
  return out;
}
