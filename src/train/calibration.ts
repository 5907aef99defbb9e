/**
 * Per-tag calibration of scores into probabilities (Platt scaling: a logistic regression of the truth on
 * the score's log-odds, with Platt's smoothed targets so a tag with few positives is not pushed to 0/1),
 * fitted on out-of-fold or dev scores, and the Brier score that says how well it fits.
 *
 * Each tag's intercept can then be moved so the mean calibrated probability of the tuning posts equals a
 * given base rate (`matchBaseRate`). Under the dev protocol the tuning posts are dev alone (GoEmotions:
 * 5,426 posts), whose share of a tag differs from the whole labeled set's by sampling noise (sd 0.0027 at a
 * share of 0.04); the mean probability the trends read would inherit that noise, where the labeled set's
 * share (train + dev, 9x the posts) is the better prior for new posts.
 *
 * @module
 */
import type { LabelMatrix } from "./f_beta.ts";
import type { ScoreMatrix } from "./thresholds.ts";

/** `p = sigmoid(a * logit(score) + b)`. */
export interface Platt {
  a: number;
  b: number;
}

const EPS = 1e-6;
const logit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Fits Platt scaling of one tag's scores to its truth (Newton's method on the log-loss). */
export function fitPlatt(scores: ArrayLike<number>, truth: ArrayLike<number>): Platt {
  const n = scores.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += truth[i] ? 1 : 0;
  const hi = (pos + 1) / (pos + 2), lo = 1 / (n - pos + 2);
  const x = Float64Array.from({ length: n }, (_, i) => logit(scores[i]));
  const t = Float64Array.from({ length: n }, (_, i) => (truth[i] ? hi : lo));
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i] + b;
      l += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i] * z;
    }
    return l;
  };
  let a = 1, b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * x[i] + b), d = p - t[i], w = p * (1 - p);
      ga += d * x[i];
      gb += d;
      haa += w * x[i] * x[i];
      hab += w * x[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    let da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    // damped Newton: halve the step until the loss does not rise
    const before = loss(a, b);
    for (let k = 0; k < 30 && loss(a - da, b - db) > before; k++) {
      da /= 2;
      db /= 2;
    }
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  // a tag the scores cannot rank keeps its base rate rather than an inverted curve
  return a > 0 ? { a, b } : { a: 0, b: logit((pos + 1) / (n + 2)) };
}

/** One calibrated probability. */
export function applyPlatt(c: Platt, score: number): number {
  return sigmoid(c.a * logit(score) + c.b);
}

/** Every column of `scores` through its tag's calibration, as a new matrix. */
export function calibrate(scores: ScoreMatrix, per: readonly Platt[]): ScoreMatrix {
  const { rows, cols } = scores;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) data[i] = applyPlatt(per[i % cols], scores.data[i]);
  return { data, rows, cols };
}

/**
 * `c` with its intercept moved so the mean of `applyPlatt` over `scores` is `rate` (the slope, and so each
 * tag's ranking of posts, stays). Bisection: the mean rises with the intercept.
 */
export function matchBaseRate(c: Platt, scores: ArrayLike<number>, rate: number): Platt {
  if (!(rate > 0 && rate < 1)) {
    throw new RangeError(`Cannot match a base rate of "${rate}": it must lie strictly between 0 and 1`);
  }
  if (c.a === 0 || scores.length === 0) return { a: c.a, b: logit(rate) };
  const x = Float64Array.from({ length: scores.length }, (_, i) => c.a * logit(scores[i]));
  const mean = (b: number) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += sigmoid(x[i] + b);
    return s / x.length;
  };
  let lo = c.b - 40, hi = c.b + 40;
  for (let it = 0; it < 80 && hi - lo > 1e-10; it++) {
    const mid = (lo + hi) / 2;
    if (mean(mid) < rate) lo = mid;
    else hi = mid;
  }
  return { a: c.a, b: (lo + hi) / 2 };
}

/**
 * Fits one calibration per column; with `baseRates` each column's intercept is then matched to its rate
 * over these scores (`matchBaseRate`).
 */
export function fitCalibration(scores: ScoreMatrix, y: LabelMatrix, baseRates?: readonly number[]): Platt[] {
  return Array.from({ length: scores.cols }, (_, c) => {
    const s = new Float32Array(scores.rows), t = new Uint8Array(scores.rows);
    for (let r = 0; r < scores.rows; r++) {
      s[r] = scores.data[r * scores.cols + c];
      t[r] = y.data[r * y.cols + c];
    }
    const platt = fitPlatt(s, t);
    return baseRates ? matchBaseRate(platt, s, baseRates[c]) : platt;
  });
}

/** Mean squared difference between each column's probabilities and its 0/1 truth. */
export function brierPerTag(probabilities: ScoreMatrix, y: LabelMatrix): number[] {
  const out = new Array(probabilities.cols).fill(0);
  for (let i = 0; i < probabilities.data.length; i++) {
    const d = probabilities.data[i] - y.data[i];
    out[i % probabilities.cols] += d * d;
  }
  return out.map((s) => s / Math.max(probabilities.rows, 1));
}
