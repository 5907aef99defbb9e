/**
 * Per-tag decision rules, chosen on out-of-fold (or dev) probabilities by each tag's F-beta:
 *
 * - `threshold`: predict where the probability reaches the tag's threshold;
 * - `top-k`: predict where the tag is among the post's k most probable tags and reaches the threshold
 *   (for tags that mostly come alone, being the post's strongest tag is evidence of its own);
 * - `every-post`: predict it for every post (what makes the constant predictor score: right for a tag
 *   that most posts carry, and weighted F-beta never rewards dropping a tag).
 *
 * A threshold is the best cut for the tag shrunk toward the global one by `shrink` pseudo-positives
 * (`(P * own + shrink * global) / (P + shrink)`), so a tag seen a few times does not follow its noise.
 * Tags with fewer than `minPositives` positives keep the global threshold.
 *
 * @module
 */
import { fBetaFromCounts, type LabelMatrix, weightedFBeta } from "./f_beta.ts";
import type { ScoreMatrix } from "./thresholds.ts";

/** How one tag is decided from its probability. */
export type DecisionRule =
  | { rule: "threshold"; threshold: number }
  | { rule: "top-k"; k: number; threshold: number }
  | { rule: "every-post" };

/** Options of {@link chooseRules}. */
export interface DecisionOptions {
  /** @default 0.5 */
  beta?: number;
  /** Tags with fewer positives keep the global threshold. @default 5 */
  minPositives?: number;
  /** Pseudo-positives pulling a tag's threshold toward the global one. @default 10 */
  shrink?: number;
  /** The k of the top-k rules tried. @default [1, 2] */
  topK?: number[];
  /** Rules tried besides `threshold`. @default ["top-k", "every-post"] */
  rules?: ("top-k" | "every-post")[];
  /**
   * `every-post` is tried only for tags on at least this share of posts: for a rarer tag it only wins
   * where the tag's threshold is noise, and then it loses on new posts. @default 0.2
   */
  everyPostShare?: number;
}

/** The rules chosen and what they scored on the data they were chosen on. */
export interface ChosenRules {
  rules: DecisionRule[];
  global: number;
  /** F-beta of each tag's chosen rule on the tuning data. */
  fbeta: number[];
  positives: number[];
}

const GRID = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

/** Rank of each (row, tag) among the row's tags by score: 1 for the row's most probable tag. */
export function tagRanks(scores: ScoreMatrix): Uint16Array {
  const { rows, cols } = scores;
  const ranks = new Uint16Array(rows * cols);
  const order = Array.from({ length: cols }, (_, c) => c);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    order.sort((a, b) => scores.data[o + b] - scores.data[o + a] || a - b);
    order.forEach((c, i) => (ranks[o + c] = i + 1));
  }
  return ranks;
}

/**
 * The cut of `scores` with the best F-beta, where `missed` positives are outside `scores` altogether
 * (false negatives whatever the cut); NaN when no cut has F > 0.
 */
export function bestCut(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  opts: { beta?: number; missed?: number } = {},
): { cut: number; f: number } {
  const beta = opts.beta ?? 0.5, n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = opts.missed ?? 0;
  for (let i = 0; i < n; i++) positives += truth[i] ? 1 : 0;
  const c = { tp: 0, fp: 0, fn: positives };
  let best = { cut: NaN, f: 0 };
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (truth[order[k]]) {
        c.tp++;
        c.fn--;
      } else c.fp++;
      k++;
    }
    const f = fBetaFromCounts(c, beta);
    if (f > best.f) best = { cut: k < n ? (s + scores[order[k]]) / 2 : s, f };
  }
  return best;
}

function fOf(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  keep: (i: number) => boolean,
  beta: number,
) {
  const c = { tp: 0, fp: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const p = keep(i), t = truth[i] !== 0;
    if (p && t) c.tp++;
    else if (p) c.fp++;
    else if (t) c.fn++;
  }
  return fBetaFromCounts(c, beta);
}

/** Chooses each tag's rule on `scores` (probabilities) and their truth `y`. */
export function chooseRules(scores: ScoreMatrix, y: LabelMatrix, opts: DecisionOptions = {}): ChosenRules {
  const beta = opts.beta ?? 0.5, minPositives = opts.minPositives ?? 5, m = opts.shrink ?? 10;
  const tried = opts.rules ?? ["top-k", "every-post"], topK = opts.topK ?? [1, 2];
  const { rows, cols } = scores;
  let global = GRID[0], bestGlobal = -1;
  for (const t of GRID) {
    const pred = { data: new Uint8Array(rows * cols), rows, cols };
    for (let i = 0; i < pred.data.length; i++) pred.data[i] = scores.data[i] >= t ? 1 : 0;
    const f = weightedFBeta(y, pred, { beta });
    if (f > bestGlobal) [global, bestGlobal] = [t, f];
  }
  const ranks = tagRanks(scores);
  const rules: DecisionRule[] = [], fbeta: number[] = [], positives: number[] = [];
  const s = new Float32Array(rows), t = new Uint8Array(rows), rank = new Uint16Array(rows);
  for (let c = 0; c < cols; c++) {
    let pos = 0;
    for (let r = 0; r < rows; r++) {
      s[r] = scores.data[r * cols + c];
      t[r] = y.data[r * cols + c];
      rank[r] = ranks[r * cols + c];
      pos += t[r];
    }
    positives.push(pos);
    const shrunk = (cut: number) => (Number.isNaN(cut) ? global : (pos * cut + m * global) / (pos + m));
    const candidates: { rule: DecisionRule; f: number }[] = [];
    const own = pos >= minPositives ? shrunk(bestCut(s, t, { beta }).cut) : global;
    candidates.push({ rule: { rule: "threshold", threshold: own }, f: fOf(s, t, (i) => s[i] >= own, beta) });
    if (pos >= minPositives) {
      if (tried.includes("top-k")) {
        for (const k of topK) {
          const inTop = Array.from({ length: rows }, (_, i) => i).filter((i) => rank[i] <= k);
          const sub = inTop.map((i) => s[i]), subT = inTop.map((i) => t[i]);
          const missed = pos - subT.reduce((a, b) => a + b, 0);
          const th = shrunk(bestCut(sub, subT, { beta, missed }).cut);
          const f = fOf(s, t, (i) => rank[i] <= k && s[i] >= th, beta);
          candidates.push({ rule: { rule: "top-k", k, threshold: th }, f });
        }
      }
      if (tried.includes("every-post") && pos >= (opts.everyPostShare ?? 0.2) * rows) {
        candidates.push({ rule: { rule: "every-post" }, f: fOf(s, t, () => true, beta) });
      }
    }
    const best = candidates.reduce((a, b) => (b.f > a.f + 1e-12 ? b : a));
    rules.push(best.rule);
    fbeta.push(best.f);
  }
  return { rules, global, fbeta, positives };
}

/** The tags each row gets under `rules`. */
export function applyRules(scores: ScoreMatrix, rules: readonly DecisionRule[]): LabelMatrix {
  const { rows, cols } = scores;
  if (rules.length !== cols) {
    throw new RangeError(`Cannot apply decision rules: got "${rules.length}" rules for ${cols} tags`);
  }
  const needRanks = rules.some((r) => r.rule === "top-k");
  const ranks = needRanks ? tagRanks(scores) : undefined;
  // compare in float32, the precision of the scores
  const th = Float32Array.from(rules, (r) => (r.rule === "every-post" ? -Infinity : r.threshold));
  const data = new Uint8Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    const rule = rules[i % cols];
    const ok = scores.data[i] >= th[i % cols];
    data[i] = ok && (rule.rule !== "top-k" || ranks![i] <= rule.k) ? 1 : 0;
  }
  return { data, rows, cols };
}

/** A rule's short name: `threshold`, `top-1`, `every-post`. */
export const ruleName = (r: DecisionRule): string => (r.rule === "top-k" ? `top-${r.k}` : r.rule);
