/**
 * Decision thresholds for multi-label scores, tuned on a validation set.
 *
 * Each tag with at least `minPositives` validation positives gets its own threshold, the one that
 * maximises that tag's F-beta (F0.5 by default) over every cut between two distinct validation
 * scores. Rarer tags, and tags whose best F is 0, use one global threshold: the value of a grid
 * that maximises the support-weighted F-beta over all tags when every tag uses it.
 *
 * A tag is predicted when its score is `>=` its threshold.
 *
 * @module
 */

import { fBetaFromCounts, type LabelMatrix, type TagCounts, weightedFBeta } from "./f_beta.ts";

/** Scores (probabilities) row-major: `data[row * cols + col]`. */
export interface ScoreMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Tuned thresholds, serializable as JSON. */
export interface Thresholds {
  /** One threshold per tag. */
  perTag: number[];
  /** The global threshold used for tags without enough positives. */
  global: number;
  /** Per tag: `"tag"` when tuned on its own, `"global"` when it fell back. */
  source: ("tag" | "global")[];
  /** The F-beta's beta the thresholds were tuned for. */
  beta: number;
  /** Validation positives per tag. */
  positives: number[];
}

/** Options of {@link tuneThresholds}. */
export interface TuneThresholdsOptions {
  /** F-beta to maximise. @default 0.5 */
  beta?: number;
  /** Tags with fewer validation positives use the global threshold. @default 10 */
  minPositives?: number;
  /** Candidate global thresholds. @default 0.01, 0.02, ..., 0.99 */
  globalGrid?: number[];
}

const defaultGrid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

function checkShapes(scores: ScoreMatrix, yTrue: LabelMatrix): void {
  if (scores.rows !== yTrue.rows || scores.cols !== yTrue.cols) {
    throw new RangeError(
      `Cannot tune thresholds: scores shape "${scores.rows}x${scores.cols}" differs from labels "${yTrue.rows}x${yTrue.cols}"`,
    );
  }
}

/** Predicts a tag wherever its score is `>=` its threshold. */
export function applyThresholds(
  scores: ScoreMatrix,
  thresholds: readonly number[] | Thresholds,
): LabelMatrix {
  const t = Array.isArray(thresholds) ? thresholds : (thresholds as Thresholds).perTag;
  const { rows, cols } = scores;
  if (t.length !== cols) {
    throw new RangeError(`Cannot apply thresholds: got "${t.length}" thresholds for ${cols} tags`);
  }
  // compare in float32, the precision of the scores, so a threshold of 0.7 keeps a score of 0.7
  const t32 = Float32Array.from(t);
  const data = new Uint8Array(rows * cols);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, i++) data[i] = scores.data[i] >= t32[c] ? 1 : 0;
  }
  return { data, rows, cols };
}

/** The best threshold for one tag and its F-beta; `threshold` is NaN when no cut has F > 0. */
export function bestTagThreshold(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  opts: { beta?: number } = {},
): { threshold: number; f: number } {
  const beta = opts.beta ?? 0.5;
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (truth[i]) positives++;
  const counts: TagCounts = { tp: 0, fp: 0, fn: positives };
  let best = { threshold: NaN, f: 0 };
  for (let k = 0; k < n;) {
    // take every row tied at this score together
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (truth[order[k]]) {
        counts.tp++;
        counts.fn--;
      } else counts.fp++;
      k++;
    }
    const f = fBetaFromCounts(counts, beta);
    if (f > best.f) {
      // cut halfway to the next lower score, so unseen scores near the edge fall on the tuned side
      const next = k < n ? scores[order[k]] : s;
      best = { threshold: k < n ? (s + next) / 2 : s, f };
    }
  }
  return best;
}

/** Tunes per-tag thresholds on validation scores; see the module doc for the rules. */
export function tuneThresholds(
  scores: ScoreMatrix,
  yTrue: LabelMatrix,
  opts: TuneThresholdsOptions = {},
): Thresholds {
  checkShapes(scores, yTrue);
  const beta = opts.beta ?? 0.5;
  const minPositives = opts.minPositives ?? 10;
  const grid = opts.globalGrid ?? defaultGrid;
  const { rows, cols } = scores;

  let global = grid[0] ?? 0.5, bestGlobal = -1;
  for (const t of grid) {
    const f = weightedFBeta(yTrue, applyThresholds(scores, new Array(cols).fill(t)), { beta });
    if (f > bestGlobal) {
      bestGlobal = f;
      global = t;
    }
  }

  const perTag: number[] = [], source: ("tag" | "global")[] = [], positives: number[] = [];
  const column = new Float32Array(rows), truth = new Uint8Array(rows);
  for (let c = 0; c < cols; c++) {
    let pos = 0;
    for (let r = 0; r < rows; r++) {
      column[r] = scores.data[r * cols + c];
      truth[r] = yTrue.data[r * cols + c];
      pos += truth[r];
    }
    positives.push(pos);
    const best = pos >= minPositives ? bestTagThreshold(column, truth, { beta }) : { threshold: NaN, f: 0 };
    if (Number.isNaN(best.threshold)) {
      perTag.push(global);
      source.push("global");
    } else {
      perTag.push(best.threshold);
      source.push("tag");
    }
  }
  return { perTag, global, source, beta, positives };
}
