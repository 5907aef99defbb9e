/**
 * Tag shares: the part of posts that carry each tag, as the business team reads it, estimated three ways
 * from a model's output:
 *
 * - `counts`: the share of posts the tag is predicted for (classify and count);
 * - `probabilities`: the mean calibrated probability;
 * - `adjusted_counts`: the count corrected by the tag's true- and false-positive rates measured away from
 *   the posts counted (out of fold or on dev): `(count - fpr) / (tpr - fpr)`, clipped to [0, 1]
 *   (Forman's adjusted classify and count). Where the rates barely differ the raw count stays.
 *
 * The share error of an estimate is the mean over tags of `|estimated share - true share|`.
 *
 * @module
 */
import type { LabelMatrix } from "./f_beta.ts";
import type { ScoreMatrix } from "./thresholds.ts";

/** A tag's rates of its decisions: P(predicted | true), P(predicted | not true). */
export interface TagRates {
  tpr: number;
  fpr: number;
}

/** Up to this `tpr - fpr` the adjustment would divide by noise (F0.5 thresholds keep tpr low). */
const MIN_GAP = 0.3;

/** Each column's share of rows with a 1. */
export function columnShares(m: LabelMatrix | ScoreMatrix): number[] {
  const out = new Array(m.cols).fill(0);
  for (let i = 0; i < m.data.length; i++) out[i % m.cols] += m.data[i];
  return out.map((s) => s / Math.max(m.rows, 1));
}

/** True- and false-positive rates of decisions `yPred` against `yTrue`, per tag. */
export function tagRates(yTrue: LabelMatrix, yPred: LabelMatrix): TagRates[] {
  const k = yTrue.cols;
  const tp = new Array(k).fill(0), fp = new Array(k).fill(0), pos = new Array(k).fill(0);
  for (let i = 0; i < yTrue.data.length; i++) {
    const c = i % k;
    if (yTrue.data[i]) {
      pos[c]++;
      if (yPred.data[i]) tp[c]++;
    } else if (yPred.data[i]) fp[c]++;
  }
  return pos.map((p, c) => ({
    tpr: p > 0 ? tp[c] / p : 0,
    fpr: yTrue.rows - p > 0 ? fp[c] / (yTrue.rows - p) : 0,
  }));
}

/** The adjusted classify-and-count share of one tag. */
export function adjustedShare(countShare: number, rates: TagRates): number {
  const gap = rates.tpr - rates.fpr;
  if (!(gap > MIN_GAP)) return countShare;
  return Math.min(1, Math.max(0, (countShare - rates.fpr) / gap));
}

/** The three share estimates of every tag. */
export function estimateShares(
  decisions: LabelMatrix,
  probabilities: ScoreMatrix,
  rates: readonly TagRates[],
): { counts: number[]; probabilities: number[]; adjusted_counts: number[] } {
  const counts = columnShares(decisions);
  return {
    counts,
    probabilities: columnShares(probabilities),
    adjusted_counts: counts.map((s, c) => adjustedShare(s, rates[c])),
  };
}

/** Mean absolute difference between estimated and true shares. */
export function shareError(estimated: readonly number[], truth: readonly number[]): number {
  if (estimated.length !== truth.length) {
    throw new RangeError(`Cannot compare shares: "${estimated.length}" estimates for ${truth.length} tags`);
  }
  return estimated.reduce((s, e, i) => s + Math.abs(e - truth[i]), 0) / Math.max(truth.length, 1);
}
