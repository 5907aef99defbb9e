/**
 * A small, fast linear probe for comparing text features: one-vs-rest logistic regression
 * (multi-label sigmoid outputs) trained by AdaGrad with L2 on sparse or dense rows.
 * Private helper of the encoder comparison; the production model is the tfjs fusion network.
 *
 * @module
 */

import type { SparseVector } from "@/encode/mod.ts";
import { type LabelMatrix, multiLabelReport } from "./f_beta.ts";
import { applyThresholds, type ScoreMatrix, tuneThresholds } from "./thresholds.ts";
import { mulberry32 } from "@/core/mod.ts";

/** Rows of features, read one at a time as a sparse vector. */
export interface FeatureRows {
  rows: number;
  dim: number;
  row(r: number): SparseVector;
}

/** Sparse rows of dimension `dim`. */
export function sparseRows(vectors: readonly SparseVector[], dim: number): FeatureRows {
  return { rows: vectors.length, dim, row: (r) => vectors[r] };
}

/** Dense rows, row-major `rows x dim`; rows are views, nothing is copied. */
export function denseRows(data: Float32Array, dim: number): FeatureRows {
  const indices = Int32Array.from({ length: dim }, (_, i) => i);
  return {
    rows: data.length / dim,
    dim,
    row: (r) => ({ indices, values: data.subarray(r * dim, (r + 1) * dim) }),
  };
}

/** Side-by-side concatenation of feature blocks, each scaled by its weight. */
export function concatRows(blocks: readonly FeatureRows[], weights: readonly number[] = []): FeatureRows {
  const rows = blocks[0]?.rows ?? 0;
  for (const b of blocks) {
    if (b.rows !== rows) {
      throw new RangeError(`Cannot concatenate features: "${b.rows}" rows, expected ${rows}`);
    }
  }
  const offsets: number[] = [];
  let dim = 0;
  for (const b of blocks) {
    offsets.push(dim);
    dim += b.dim;
  }
  return {
    rows,
    dim,
    row(r) {
      const parts = blocks.map((b) => b.row(r));
      const n = parts.reduce((s, p) => s + p.indices.length, 0);
      const indices = new Int32Array(n), values = new Float32Array(n);
      let k = 0;
      parts.forEach((p, j) => {
        const w = weights[j] ?? 1;
        for (let i = 0; i < p.indices.length; i++, k++) {
          indices[k] = p.indices[i] + offsets[j];
          values[k] = p.values[i] * w;
        }
      });
      return { indices, values };
    },
  };
}

/** Options of {@link trainLinearProbe}. */
export interface LinearProbeOptions {
  /** `sgd`: plain SGD with exact L2 on every weight (Bottou's schedule); `adagrad`: per-weight steps,
   * L2 only on the weights a row touches. @default "sgd" */
  optimizer?: "sgd" | "adagrad";
  /** Passes over the training rows. @default 5 */
  epochs?: number;
  /** Initial learning rate. @default 1 (sgd), 0.2 (adagrad) */
  learningRate?: number;
  /** L2 penalty per row, like scikit-learn's 1 / (C x rows). @default 5e-6 (sgd), 1e-6 (adagrad) */
  l2?: number;
  /** Seed of the row shuffling. @default 1 */
  seed?: number;
}

/** A trained probe: weights `dim x labels` row-major and one bias per label. */
export interface LinearProbe {
  dim: number;
  labels: number;
  weights: Float32Array;
  bias: Float64Array;
}

/** Trains one-vs-rest logistic regression on `x` for the tags of `y`. */
export function trainLinearProbe(x: FeatureRows, y: LabelMatrix, opts: LinearProbeOptions = {}): LinearProbe {
  if (x.rows !== y.rows) {
    throw new RangeError(`Cannot train probe: "${x.rows}" feature rows for ${y.rows} label rows`);
  }
  const adagrad = (opts.optimizer ?? "sgd") === "adagrad";
  const epochs = opts.epochs ?? 5;
  const lr = opts.learningRate ?? (adagrad ? 0.2 : 1);
  const l2 = opts.l2 ?? (adagrad ? 1e-6 : 5e-6);
  const L = y.cols, dim = x.dim;
  const w = new Float32Array(dim * L), g2 = adagrad ? new Float32Array(dim * L) : new Float32Array(0);
  const bias = new Float64Array(L), bg2 = new Float64Array(L);
  // start the biases at the log-odds of each tag, so early steps learn features, not frequencies
  for (let l = 0; l < L; l++) {
    let pos = 0;
    for (let r = 0; r < y.rows; r++) pos += y.data[r * L + l];
    const p = (pos + 0.5) / (y.rows + 1);
    bias[l] = Math.log(p / (1 - p));
  }
  const z = new Float64Array(L);
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  const rand = mulberry32(opts.seed ?? 1);
  // sgd keeps w = scale * stored, so the L2 shrink of every weight is one multiplication
  let scale = 1, t = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const r of order) {
      const { indices, values } = x.row(r);
      for (let l = 0; l < L; l++) z[l] = 0;
      for (let i = 0; i < indices.length; i++) {
        const o = indices[i] * L, v = values[i];
        for (let l = 0; l < L; l++) z[l] += w[o + l] * v;
      }
      const yo = r * L;
      if (adagrad) {
        for (let l = 0; l < L; l++) {
          z[l] = 1 / (1 + Math.exp(-(z[l] + bias[l]))) - y.data[yo + l];
          bg2[l] += z[l] * z[l];
          bias[l] -= lr * z[l] / (Math.sqrt(bg2[l]) + 1e-8);
        }
        for (let i = 0; i < indices.length; i++) {
          const o = indices[i] * L, v = values[i];
          for (let l = 0; l < L; l++) {
            const k = o + l;
            const grad = z[l] * v + l2 * w[k];
            g2[k] += grad * grad;
            w[k] -= lr * grad / (Math.sqrt(g2[k]) + 1e-8);
          }
        }
      } else {
        const eta = lr / (1 + lr * l2 * t++);
        for (let l = 0; l < L; l++) {
          z[l] = 1 / (1 + Math.exp(-(z[l] * scale + bias[l]))) - y.data[yo + l];
          bias[l] -= eta * z[l];
        }
        scale *= 1 - eta * l2;
        if (scale < 1e-6) {
          for (let k = 0; k < w.length; k++) w[k] *= scale;
          scale = 1;
        }
        const step = eta / scale;
        for (let i = 0; i < indices.length; i++) {
          const o = indices[i] * L, v = values[i] * step;
          for (let l = 0; l < L; l++) w[o + l] -= z[l] * v;
        }
      }
    }
  }
  if (scale !== 1) { for (let k = 0; k < w.length; k++) w[k] *= scale; }
  return { dim, labels: L, weights: w, bias };
}

/** Sigmoid scores of the probe for every row: a `rows x labels` matrix. */
export function predictLinearProbe(probe: LinearProbe, x: FeatureRows): ScoreMatrix {
  const L = probe.labels, w = probe.weights;
  const data = new Float32Array(x.rows * L);
  const z = new Float64Array(L);
  for (let r = 0; r < x.rows; r++) {
    const { indices, values } = x.row(r);
    for (let l = 0; l < L; l++) z[l] = probe.bias[l];
    for (let i = 0; i < indices.length; i++) {
      const o = indices[i] * L, v = values[i];
      for (let l = 0; l < L; l++) z[l] += w[o + l] * v;
    }
    for (let l = 0; l < L; l++) data[r * L + l] = 1 / (1 + Math.exp(-z[l]));
  }
  return { data, rows: x.rows, cols: L };
}

/** Figures of one probe run. */
export interface ProbeResult {
  weightedF05: number;
  macroF1: number;
  microF1: number;
  /** Seconds to train the probe. */
  trainSeconds: number;
  /** Tags that used their own tuned threshold. */
  tunedTags: number;
}

/**
 * Trains a probe on `train`, tunes per-tag F0.5 thresholds on `dev` and scores `test`
 * (weighted F0.5, macro-F1, micro-F1).
 */
export function evaluateProbe(
  data: { train: FeatureRows; dev: FeatureRows; test: FeatureRows },
  labels: { train: LabelMatrix; dev: LabelMatrix; test: LabelMatrix },
  opts: LinearProbeOptions & { minPositives?: number } = {},
): ProbeResult {
  const t0 = performance.now();
  const probe = trainLinearProbe(data.train, labels.train, opts);
  const trainSeconds = (performance.now() - t0) / 1000;
  const thresholds = tuneThresholds(predictLinearProbe(probe, data.dev), labels.dev, {
    minPositives: opts.minPositives,
  });
  const report = multiLabelReport(
    labels.test,
    applyThresholds(predictLinearProbe(probe, data.test), thresholds),
  );
  return {
    weightedF05: report.weightedF05,
    macroF1: report.macroF1,
    microF1: report.microF1,
    trainSeconds,
    tunedTags: thresholds.source.filter((s) => s === "tag").length,
  };
}
