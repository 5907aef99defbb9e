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
 * Two options make the counts nearer the truth (the business team reads tag shares off them), which F0.5
 * alone leaves low (its best cut is the precise side of the curve: on GoEmotions full the decisions
 * predicted 0.38 fewer tags per post than dev carries, summed over tags, and 0.36 on test):
 *
 * - `smooth`: the best cut of the F-beta curve averaged over a window of +/- `smooth` x sqrt(P) predicted
 *   posts, not of the raw curve, whose peak is partly noise;
 * - `countAllowance`: each tag may give up this much of the weighted F-beta (its support share times the
 *   drop of its own, smoothed F-beta) for the cut, and then the rule, whose predicted count is nearest its
 *   positives. A rare tag weighs little in the weighted F-beta and as much as any in the share error, so
 *   it moves further; the tags together give up at most `tags x countAllowance`.
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
  /** Half-width of the F-beta curve's averaging window, in sqrt(positives) predicted posts. @default 0 */
  smooth?: number;
  /** Weighted F-beta each tag may give up for a count nearer its positives (module doc). @default 0 */
  countAllowance?: number;
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

/** Options of {@link bestCut}. */
export interface CutOptions {
  /** @default 0.5 */
  beta?: number;
  /** Positives outside the scores altogether: false negatives whatever the cut. @default 0 */
  missed?: number;
  /** Half-width of the averaging window of the F-beta curve, in sqrt(positives) predicted rows. @default 0 */
  smooth?: number;
  /**
   * How far below the (averaged) curve's best a cut may fall when its predicted count is nearer the
   * positives. @default 0
   */
  slack?: number;
}

/** A point of a tag's F-beta curve: the cut, its F-beta and how many rows it predicts. */
export interface CutPoint {
  cut: number;
  f: number;
  predicted: number;
}

/**
 * The cut of `scores` with the best F-beta, or with `smooth` and `slack` the one the module doc describes;
 * `f` is its own (raw) F-beta. The cut is NaN when no cut has F > 0.
 */
export function bestCut(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  opts: CutOptions = {},
): CutPoint {
  const beta = opts.beta ?? 0.5, n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = opts.missed ?? 0;
  for (let i = 0; i < n; i++) positives += truth[i] ? 1 : 0;
  const c = { tp: 0, fp: 0, fn: positives };
  const curve: CutPoint[] = [];
  let best: CutPoint = { cut: NaN, f: 0, predicted: 0 };
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (truth[order[k]]) {
        c.tp++;
        c.fn--;
      } else c.fp++;
      k++;
    }
    const point = { cut: k < n ? (s + scores[order[k]]) / 2 : s, f: fBetaFromCounts(c, beta), predicted: k };
    curve.push(point);
    if (point.f > best.f) best = point;
  }
  if (!(best.f > 0) || (!opts.smooth && !opts.slack)) return best;
  const smoothed = smoothCurve(curve, (opts.smooth ?? 0) * Math.sqrt(positives));
  let top = 0;
  smoothed.forEach((f, i) => f > smoothed[top] && (top = i));
  return curve[
    nearestCount(curve.map((p, i) => ({ f: smoothed[i], predicted: p.predicted })), top, {
      positives,
      slack: opts.slack ?? 0,
    })
  ];
}

/** Each point's F-beta averaged over the points predicting within `h` rows of it. */
function smoothCurve(curve: readonly CutPoint[], h: number): number[] {
  let lo = 0, hi = 0, sum = 0;
  return curve.map((p) => {
    while (hi < curve.length && curve[hi].predicted <= p.predicted + h) sum += curve[hi++].f;
    while (curve[lo].predicted < p.predicted - h) sum -= curve[lo++].f;
    return sum / (hi - lo);
  });
}

/** Index of the option within `slack` of option `top`'s F-beta whose predicted count is nearest `positives`. */
function nearestCount(
  options: readonly { f: number; predicted: number }[],
  top: number,
  { positives, slack }: { positives: number; slack: number },
): number {
  let pick = top;
  const gap = (i: number) => Math.abs(options[i].predicted - positives);
  options.forEach((o, i) => {
    if (o.f >= options[top].f - slack && gap(i) < gap(pick)) pick = i;
  });
  return pick;
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
  return { f: fBetaFromCounts(c, beta), predicted: c.tp + c.fp };
}

/** Chooses each tag's rule on `scores` (probabilities) and their truth `y`. */
export function chooseRules(scores: ScoreMatrix, y: LabelMatrix, opts: DecisionOptions = {}): ChosenRules {
  const beta = opts.beta ?? 0.5, minPositives = opts.minPositives ?? 5, m = opts.shrink ?? 10;
  const smooth = opts.smooth ?? 0, allowance = opts.countAllowance ?? 0;
  const tried = opts.rules ?? ["top-k", "every-post"], topK = opts.topK ?? [1, 2];
  const { rows, cols } = scores;
  let global = GRID[0], bestGlobal = -1;
  for (const t of GRID) {
    const pred = { data: new Uint8Array(rows * cols), rows, cols };
    for (let i = 0; i < pred.data.length; i++) pred.data[i] = scores.data[i] >= t ? 1 : 0;
    const f = weightedFBeta(y, pred, { beta });
    if (f > bestGlobal) [global, bestGlobal] = [t, f];
  }
  let allPositives = 0;
  for (let i = 0; i < y.data.length; i++) allPositives += y.data[i];
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
    // the weighted F-beta allowance in this tag's own F-beta: its support share is pos / allPositives
    const slack = allowance * allPositives / Math.max(pos, 1);
    const cutOptions = { beta, smooth, slack };
    const candidates: { rule: DecisionRule; f: number; predicted: number }[] = [];
    const own = pos >= minPositives ? shrunk(bestCut(s, t, cutOptions).cut) : global;
    candidates.push({ rule: { rule: "threshold", threshold: own }, ...fOf(s, t, (i) => s[i] >= own, beta) });
    if (pos >= minPositives) {
      if (tried.includes("top-k")) {
        for (const k of topK) {
          const inTop = Array.from({ length: rows }, (_, i) => i).filter((i) => rank[i] <= k);
          const sub = inTop.map((i) => s[i]), subT = inTop.map((i) => t[i]);
          const missed = pos - subT.reduce((a, b) => a + b, 0);
          const th = shrunk(bestCut(sub, subT, { ...cutOptions, missed }).cut);
          const scored = fOf(s, t, (i) => rank[i] <= k && s[i] >= th, beta);
          candidates.push({ rule: { rule: "top-k", k, threshold: th }, ...scored });
        }
      }
      if (tried.includes("every-post") && pos >= (opts.everyPostShare ?? 0.2) * rows) {
        candidates.push({ rule: { rule: "every-post" }, ...fOf(s, t, () => true, beta) });
      }
    }
    let top = 0;
    candidates.forEach((x, i) => x.f > candidates[top].f + 1e-12 && (top = i));
    const best = candidates[slack > 0 ? nearestCount(candidates, top, { positives: pos, slack }) : top];
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
