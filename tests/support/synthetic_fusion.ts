/** Synthetic multi-label data for tests and benchmarks: each tag depends on one modality's vector only. */
import { createRng, type Rng } from "@/core/mod.ts";
import { MODALITIES, type Modality } from "@/core/mod.ts";
import type { FusionData } from "@/model/mod.ts";

/** Options of `syntheticData`. */
export interface SyntheticOptions {
  /** Dense width per modality (0 or missing: absent). */
  sizes: Partial<Record<Modality, number>>;
  /** The modality each tag depends on; the tag count is its length. */
  tagSources: Modality[];
  /** Fraction of posts positive for each tag (cycled). @default [0.3] */
  positiveRates?: number[];
  /** Probability that a modality other than the tag sources' is missing from a post. @default 0 */
  missingRate?: number;
  /** Probability that a modality is present, overriding `missingRate` (tag sources included). @default none */
  presentRates?: Partial<Record<Modality, number>>;
  /** @default 1 */
  seed?: number;
}

/** Zero-mean, unit-variance noise (uniform: much faster than Gaussian for 200M values). */
function noise(rng: Rng): number {
  return (rng() * 2 - 1) * 1.7320508;
}

/** Generates `count` posts; tag k is positive when its source vector's projection on a random direction is high. */
export function syntheticData(count: number, options: SyntheticOptions): FusionData {
  const { sizes, tagSources, positiveRates = [0.3], missingRate = 0, presentRates = {}, seed = 1 } = options;
  const rng = createRng(seed);
  const k = tagSources.length;
  const data: FusionData = {
    count,
    mask: new Uint8Array(count * MODALITIES.length),
    labels: new Uint8Array(count * k),
  };
  for (const m of MODALITIES) {
    const d = sizes[m] ?? 0;
    if (d === 0) continue;
    const arr = new Float32Array(count * d);
    for (let i = 0; i < arr.length; i++) arr[i] = noise(rng);
    data[m] = arr;
  }
  const sources = new Set(tagSources);
  for (let i = 0; i < count; i++) {
    MODALITIES.forEach((m, j) => {
      const rate = presentRates[m];
      const present = (sizes[m] ?? 0) > 0 &&
        (rate !== undefined ? rng() < rate : sources.has(m) || rng() >= missingRate);
      data.mask[i * MODALITIES.length + j] = present ? 1 : 0;
      if (!present && data[m]) data[m]!.fill(0, i * sizes[m]!, (i + 1) * sizes[m]!);
    });
  }
  tagSources.forEach((m, t) => {
    const d = sizes[m] ?? 0;
    if (d === 0) throw new RangeError(`Cannot generate tag ${t}: source modality "${m}" has size 0`);
    const dir = Float64Array.from({ length: d }, () => noise(rng));
    const x = data[m]!;
    const scores = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += x[row + j] * dir[j];
      scores[i] = s;
    }
    const sorted = Float64Array.from(scores).sort();
    const rate = positiveRates[t % positiveRates.length];
    const cut = sorted[Math.min(count - 1, Math.floor((1 - rate) * count))];
    for (let i = 0; i < count; i++) data.labels![i * k + t] = scores[i] >= cut ? 1 : 0;
  });
  return data;
}

/** Rows [start, end) of `data`. */
export function sliceData(data: FusionData, start: number, end: number): FusionData {
  const count = end - start;
  const out: FusionData = { count, mask: data.mask.slice(start * 4, end * 4) };
  const keys = ["text", "textIds", "textWeights", "image", "video", "metadata", "labels"] as const;
  for (const key of keys) {
    const arr = data[key];
    if (!arr) continue;
    const w = arr.length / data.count;
    (out as unknown as Record<string, unknown>)[key] = arr.slice(start * w, end * w);
  }
  return out;
}

/** Area under the ROC curve of `scores` for 0/1 `labels` (ties count half). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let pos = 0;
  for (let r = 0; r < idx.length;) {
    let e = r;
    while (e + 1 < idx.length && scores[idx[e + 1]] === scores[idx[r]]) e++;
    const avg = (r + e) / 2 + 1;
    for (let q = r; q <= e; q++) {
      if (labels[idx[q]]) {
        rankSum += avg;
        pos++;
      }
    }
    r = e + 1;
  }
  const neg = idx.length - pos;
  return pos === 0 || neg === 0 ? NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
