/**
 * Multi-label precision, recall and F-beta, with scikit-learn's definitions
 * (`precision_recall_fscore_support(y_true, y_pred, beta, average, zero_division=0)`).
 *
 * Inputs are binary indicator matrices: rows are samples, columns are tags, stored row-major.
 *
 * - per tag: precision = tp / (tp + fp), recall = tp / (tp + fn),
 *   F-beta = (1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp); any 0/0 is 0 (`zero_division=0`).
 * - `macro`: the plain mean of the per-tag F over all tags (tags without support count as 0).
 * - `weighted`: the mean of the per-tag F weighted by support (the number of true positives
 *   in `yTrue`, i.e. tp + fn); 0 when no tag has support.
 * - `micro`: F from tp, fp, fn summed over all tags.
 *
 * @module
 */

/** A binary indicator matrix, row-major: `data[row * cols + col]` is 1 when the tag applies. */
export interface LabelMatrix {
  data: Uint8Array;
  rows: number;
  cols: number;
}

/** Counts for one tag. */
export interface TagCounts {
  tp: number;
  fp: number;
  fn: number;
}

/** Scores for one tag. */
export interface TagScores {
  precision: number;
  recall: number;
  f05: number;
  f1: number;
  /** Rows where the tag is true. */
  support: number;
  /** Rows where the tag is predicted. */
  predicted: number;
}

/** Builds a {@link LabelMatrix} from per-row lists of tag indices. */
export function labelMatrix(rowsOfTags: readonly (readonly number[])[], cols: number): LabelMatrix {
  const rows = rowsOfTags.length;
  const data = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (const c of rowsOfTags[r]) {
      if (!Number.isInteger(c) || c < 0 || c >= cols) {
        throw new RangeError(`Cannot build label matrix row ${r}: tag index "${c}" is outside [0, ${cols})`);
      }
      data[r * cols + c] = 1;
    }
  }
  return { data, rows, cols };
}

function checkShapes(yTrue: LabelMatrix, yPred: LabelMatrix): void {
  if (yTrue.rows !== yPred.rows || yTrue.cols !== yPred.cols) {
    throw new RangeError(
      `Cannot score predictions: shape "${yPred.rows}x${yPred.cols}" differs from truth "${yTrue.rows}x${yTrue.cols}"`,
    );
  }
  if (yTrue.data.length !== yTrue.rows * yTrue.cols || yPred.data.length !== yPred.rows * yPred.cols) {
    throw new RangeError(`Cannot score predictions: data length does not match "rows x cols"`);
  }
}

/** Per-tag true positive, false positive and false negative counts. */
export function tagCounts(yTrue: LabelMatrix, yPred: LabelMatrix): TagCounts[] {
  checkShapes(yTrue, yPred);
  const { rows, cols } = yTrue;
  const tp = new Float64Array(cols), fp = new Float64Array(cols), fn = new Float64Array(cols);
  const t = yTrue.data, p = yPred.data;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = t[o + c] !== 0, b = p[o + c] !== 0;
      if (a && b) tp[c]++;
      else if (b) fp[c]++;
      else if (a) fn[c]++;
    }
  }
  return Array.from({ length: cols }, (_, c) => ({ tp: tp[c], fp: fp[c], fn: fn[c] }));
}

/** F-beta from counts; 0 when the denominator is 0 (scikit-learn's `zero_division=0`). */
export function fBetaFromCounts(counts: TagCounts, beta: number): number {
  const b2 = beta * beta;
  const num = (1 + b2) * counts.tp;
  const den = num + b2 * counts.fn + counts.fp;
  return den === 0 ? 0 : num / den;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Options shared by the averaged scores. */
export interface FBetaOptions {
  /** Weight of recall relative to precision. @default 1 */
  beta?: number;
}

/** Per-tag F-beta (scikit-learn `average=None`). */
export function perTagFBeta(yTrue: LabelMatrix, yPred: LabelMatrix, opts: FBetaOptions = {}): number[] {
  const beta = opts.beta ?? 1;
  return tagCounts(yTrue, yPred).map((c) => fBetaFromCounts(c, beta));
}

/** F-beta averaged over tags, weighted by each tag's support (scikit-learn `average="weighted"`). */
export function weightedFBeta(yTrue: LabelMatrix, yPred: LabelMatrix, opts: FBetaOptions = {}): number {
  const beta = opts.beta ?? 1;
  let sum = 0, weights = 0;
  for (const c of tagCounts(yTrue, yPred)) {
    const support = c.tp + c.fn;
    sum += support * fBetaFromCounts(c, beta);
    weights += support;
  }
  return weights === 0 ? 0 : sum / weights;
}

/** The plain mean of per-tag F-beta over all tags (scikit-learn `average="macro"`). */
export function macroFBeta(yTrue: LabelMatrix, yPred: LabelMatrix, opts: FBetaOptions = {}): number {
  const f = perTagFBeta(yTrue, yPred, opts);
  return f.length === 0 ? 0 : f.reduce((a, b) => a + b, 0) / f.length;
}

/** F-beta of the counts pooled over all tags (scikit-learn `average="micro"`). */
export function microFBeta(yTrue: LabelMatrix, yPred: LabelMatrix, opts: FBetaOptions = {}): number {
  const total = { tp: 0, fp: 0, fn: 0 };
  for (const c of tagCounts(yTrue, yPred)) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return fBetaFromCounts(total, opts.beta ?? 1);
}

/** Precision, recall, F0.5, F1 and support for each tag. */
export function perTagScores(yTrue: LabelMatrix, yPred: LabelMatrix): TagScores[] {
  return tagCounts(yTrue, yPred).map((c) => ({
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f05: fBetaFromCounts(c, 0.5),
    f1: fBetaFromCounts(c, 1),
    support: c.tp + c.fn,
    predicted: c.tp + c.fp,
  }));
}

/** The headline figures of a multi-label evaluation. */
export interface MultiLabelReport {
  weightedF05: number;
  macroF1: number;
  microF1: number;
  weightedF1: number;
  microF05: number;
}

/** Computes the headline figures in one pass over the counts. */
export function multiLabelReport(yTrue: LabelMatrix, yPred: LabelMatrix): MultiLabelReport {
  const counts = tagCounts(yTrue, yPred);
  let w05 = 0, w1 = 0, weights = 0, macro = 0;
  const total = { tp: 0, fp: 0, fn: 0 };
  for (const c of counts) {
    const support = c.tp + c.fn;
    const f1 = fBetaFromCounts(c, 1);
    w05 += support * fBetaFromCounts(c, 0.5);
    w1 += support * f1;
    weights += support;
    macro += f1;
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return {
    weightedF05: weights === 0 ? 0 : w05 / weights,
    macroF1: counts.length === 0 ? 0 : macro / counts.length,
    microF1: fBetaFromCounts(total, 1),
    weightedF1: weights === 0 ? 0 : w1 / weights,
    microF05: fBetaFromCounts(total, 0.5),
  };
}
