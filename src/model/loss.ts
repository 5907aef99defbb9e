/** Per-tag positive weights from tag frequency and the weighted binary cross-entropy computed from logits. */
import * as tf from "@tensorflow/tfjs";

/** How positives of rare tags are up-weighted: 1, sqrt(neg/pos) or neg/pos, capped. */
export type PositiveWeighting = "none" | "inverse-sqrt" | "inverse";

/** Options of `positiveWeights`. */
export interface PositiveWeightOptions {
  /** Weighting scheme. @default "inverse-sqrt" */
  weighting?: PositiveWeighting;
  /** Upper bound of a weight (also the weight of a tag with no positive). @default 20 */
  cap?: number;
}

/**
 * Weight of a positive label per tag, from `labels` (N x numTags, 0/1): with pos and neg the tag's counts,
 * "inverse" gives neg/pos, "inverse-sqrt" sqrt(neg/pos), "none" 1; each capped at `cap`.
 */
export function positiveWeights(
  labels: Uint8Array,
  numTags: number,
  options: PositiveWeightOptions = {},
): Float32Array {
  const { weighting = "inverse-sqrt", cap = 20 } = options;
  if (labels.length % numTags !== 0) {
    throw new RangeError(
      `Cannot compute positive weights: labels length "${labels.length}" is not a multiple of ${numTags} tags`,
    );
  }
  if (!["none", "inverse-sqrt", "inverse"].includes(weighting)) {
    throw new RangeError(`Cannot compute positive weights: unknown weighting "${weighting}"`);
  }
  const n = labels.length / numTags;
  const pos = new Float64Array(numTags);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < numTags; k++) pos[k] += labels[i * numTags + k] ? 1 : 0;
  }
  const out = new Float32Array(numTags);
  for (let k = 0; k < numTags; k++) {
    if (weighting === "none") {
      out[k] = 1;
      continue;
    }
    const ratio = pos[k] === 0 ? Infinity : (n - pos[k]) / pos[k];
    out[k] = Math.min(cap, weighting === "inverse" ? ratio : Math.sqrt(ratio));
  }
  return out;
}

/**
 * Mean over batch and tags of the positive-weighted binary cross-entropy, from logits x:
 * (1 - y) x + (1 + (w - 1) y) (log(1 + exp(-|x|)) + max(-x, 0)), stable for any x.
 */
export function weightedBceFromLogits(logits: tf.Tensor, labels: tf.Tensor, posWeight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.cast(labels, "float32");
    const logSigNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))), tf.relu(tf.neg(logits)));
    const coef = tf.add(1, tf.mul(tf.sub(posWeight, 1), y));
    const perEntry = tf.add(tf.mul(tf.sub(1, y), logits), tf.mul(coef, logSigNeg));
    return tf.mean(perEntry);
  });
}
