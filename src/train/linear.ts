/**
 * One-vs-rest logistic regression (multi-label sigmoid outputs) with L2 on sparse or dense rows: the
 * linear part of the product's model (on the full TF-IDF bag, see ./tagger.ts) and the probe of the
 * encoder comparison.
 *
 * Solvers: `dual` (coordinate descent on the dual, liblinear's) solves `mean log-loss + l2/2 |w|^2`
 * to its optimum, pass after pass over the rows: what a few thousand posts need. `sgd` (Bottou's
 * schedule, exact L2 on every weight) and `adagrad` pass over the rows a few times: what tens of
 * thousands need, where one pass already sees enough.
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

/** Options of {@link fitLinear}. */
export interface LinearOptions {
  /** `dual`: coordinate descent to the optimum; `sgd`: plain SGD with exact L2 on every weight (Bottou's
   * schedule); `adagrad`: per-weight steps, L2 only on the weights a row touches. @default "sgd" */
  optimizer?: "dual" | "sgd" | "adagrad";
  /** Passes over the training rows (at most, for dual). @default 5 (sgd, adagrad), 30 (dual) */
  epochs?: number;
  /** Initial learning rate. @default 1 (sgd), 0.2 (adagrad) */
  learningRate?: number;
  /** L2 penalty per row, like scikit-learn's 1 / (C x rows). @default 5e-6 (sgd), 1e-6 (adagrad) */
  l2?: number;
  /** Seed of the row shuffling. @default 1 */
  seed?: number;
}

/** A trained model: weights `dim x labels` row-major and one bias per label. */
export interface LinearModel {
  dim: number;
  labels: number;
  weights: Float32Array;
  bias: Float64Array;
}

/** Trains one-vs-rest logistic regression on `x` for the tags of `y`. */
export function fitLinear(x: FeatureRows, y: LabelMatrix, opts: LinearOptions = {}): LinearModel {
  if (x.rows !== y.rows) {
    throw new RangeError(`Cannot train linear model: "${x.rows}" feature rows for ${y.rows} label rows`);
  }
  if (opts.optimizer === "dual") return fitDual(x, y, opts);
  const adagrad = (opts.optimizer ?? "sgd") === "adagrad";
  const epochs = opts.epochs ?? 5;
  const lr = opts.learningRate ?? (adagrad ? 0.2 : 1);
  const l2 = opts.l2 ?? (adagrad ? 1e-6 : 5e-6);
  const L = y.cols, dim = x.dim;
  const w = new Float32Array(dim * L), g2 = adagrad ? new Float32Array(dim * L) : new Float32Array(0);
  // start the biases at the log-odds of each tag, so early steps learn features, not frequencies
  const bias = logOdds(y), bg2 = new Float64Array(L);
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

/** Sigmoid scores of the model for every row: a `rows x labels` matrix. */
export function predictLinear(model: LinearModel, x: FeatureRows): ScoreMatrix {
  const L = model.labels, w = model.weights;
  const data = new Float32Array(x.rows * L);
  const z = new Float64Array(L);
  for (let r = 0; r < x.rows; r++) {
    const { indices, values } = x.row(r);
    for (let l = 0; l < L; l++) z[l] = model.bias[l];
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
  opts: LinearOptions & { minPositives?: number } = {},
): ProbeResult {
  const t0 = performance.now();
  const probe = fitLinear(data.train, labels.train, opts);
  const trainSeconds = (performance.now() - t0) / 1000;
  const thresholds = tuneThresholds(predictLinear(probe, data.dev), labels.dev, {
    minPositives: opts.minPositives,
  });
  const report = multiLabelReport(labels.test, applyThresholds(predictLinear(probe, data.test), thresholds));
  return {
    weightedF05: report.weightedF05,
    macroF1: report.macroF1,
    microF1: report.microF1,
    trainSeconds,
    tunedTags: thresholds.source.filter((s) => s === "tag").length,
  };
}

/** Log-odds of each label's share in `y` (smoothed): where the biases start. */
function logOdds(y: LabelMatrix): Float64Array {
  const out = new Float64Array(y.cols);
  for (let l = 0; l < y.cols; l++) {
    let pos = 0;
    for (let r = 0; r < y.rows; r++) pos += y.data[r * y.cols + l];
    const p = (pos + 0.5) / (y.rows + 1);
    out[l] = Math.log(p / (1 - p));
  }
  return out;
}

/**
 * Dual coordinate descent for L2 logistic regression (Yu, Huang & Lin 2011; liblinear's solver 7), one
 * tag at a time, with a bias feature of value 1 penalized like the weights (as liblinear does). Each pass
 * costs the rows' non-zeros, whatever the width of the space: what a few thousand posts need.
 */
function fitDual(x: FeatureRows, y: LabelMatrix, opts: LinearOptions): LinearModel {
  const L = y.cols, n = x.rows, l2 = opts.l2 ?? 1e-4, passes = opts.epochs ?? 30;
  const C = 1 / (l2 * n);
  const column = new Int32Array(x.dim).fill(-1), columns: number[] = [];
  const indptr = new Int32Array(n + 1), parts: SparseVector[] = [];
  for (let r = 0; r < n; r++) {
    const v = x.row(r);
    parts.push(v);
    indptr[r + 1] = indptr[r] + v.indices.length;
    for (const i of v.indices) if (column[i] < 0) column[i] = columns.push(i) - 1;
  }
  const cols = new Int32Array(indptr[n]), vals = new Float64Array(indptr[n]), sq = new Float64Array(n);
  parts.forEach((v, r) => {
    sq[r] = 1; // the bias feature
    for (let k = 0; k < v.indices.length; k++) {
      cols[indptr[r] + k] = column[v.indices[k]];
      vals[indptr[r] + k] = v.values[k];
      sq[r] += v.values[k] * v.values[k];
    }
  });
  const m = columns.length;
  const weights = new Float32Array(x.dim * L), bias = new Float64Array(L);
  const w = new Float64Array(m + 1); // the last entry is the bias
  const alpha = new Float64Array(2 * n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(opts.seed ?? 1);
  for (let l = 0; l < L; l++) {
    w.fill(0);
    for (let r = 0; r < n; r++) {
      const a = Math.min(1e-3 * C, 1e-8), yr = y.data[r * L + l] ? 1 : -1;
      alpha[2 * r] = a;
      alpha[2 * r + 1] = C - a;
      for (let k = indptr[r]; k < indptr[r + 1]; k++) w[cols[k]] += yr * a * vals[k];
      w[m] += yr * a;
    }
    for (let pass = 0; pass < passes; pass++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      let worst = 0;
      for (const r of order) {
        const yr = y.data[r * L + l] ? 1 : -1;
        let wx = w[m];
        for (let k = indptr[r]; k < indptr[r + 1]; k++) wx += w[cols[k]] * vals[k];
        const a = sq[r], b = yr * wx;
        // optimize alpha or C - alpha, whichever moves away from its bound
        let i1 = 2 * r, i2 = 2 * r + 1, sign = 1;
        if (0.5 * a * (alpha[i2] - alpha[i1]) + b < 0) {
          i1 = 2 * r + 1;
          i2 = 2 * r;
          sign = -1;
        }
        const old = alpha[i1];
        let z = C - old < 0.5 * C ? 0.1 * old : old;
        let gp = a * (z - old) + sign * b + Math.log(z / (C - z));
        worst = Math.max(worst, Math.abs(gp));
        for (let it = 0; it < 100 && Math.abs(gp) >= 1e-2; it++) {
          const next = z - gp / (a + C / (C - z) / z);
          z = next <= 0 ? z * 0.1 : next;
          gp = a * (z - old) + sign * b + Math.log(z / (C - z));
        }
        alpha[i1] = z;
        alpha[i2] = C - z;
        const step = sign * (z - old) * yr;
        for (let k = indptr[r]; k < indptr[r + 1]; k++) w[cols[k]] += step * vals[k];
        w[m] += step;
      }
      if (worst < 0.1) break; // liblinear's default tolerance
    }
    columns.forEach((c, j) => (weights[c * L + l] = w[j]));
    bias[l] = w[m];
  }
  return { dim: x.dim, labels: L, weights, bias };
}
