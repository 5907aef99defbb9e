/**
 * Scores decisions the way the product is judged: weighted F0.5 (scikit-learn's
 * `fbeta_score(beta=0.5, average="weighted", zero_division=0)`) first, then macro/micro F0.5 and F1,
 * per-tag precision/recall/F0.5/support with the threshold used, and per-language scores.
 */
import {
  type LabelMatrix,
  macroFBeta,
  microFBeta,
  multiLabelReport,
  perTagScores,
  weightedFBeta,
} from "./f_beta.ts";
import type { Metrics, TagScore } from "./manifest.ts";
import type { ScoreMatrix } from "./thresholds.ts";

/** Rows of a matrix, as a new matrix. */
export function selectRows<T extends ScoreMatrix | LabelMatrix>(m: T, rows: number[]): T {
  const data = new (m.data.constructor as new (n: number) => T["data"])(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { ...m, data, rows: rows.length };
}

/**
 * Scores decisions `yPred` against `yTrue` (same tags, in `options.tags` order). `thresholds` and `rules`
 * describe each tag's decision in the per-tag table.
 */
export function evaluate(
  yTrue: LabelMatrix,
  yPred: LabelMatrix,
  options: {
    tags: string[];
    langs?: string[];
    minLanguagePosts?: number;
    thresholds?: number[];
    rules?: string[];
  },
): Omit<Metrics, "ablation"> {
  const report = multiLabelReport(yTrue, yPred);
  const perTag: TagScore[] = perTagScores(yTrue, yPred).map((s, i) => ({
    tag: options.tags[i],
    precision: s.precision,
    recall: s.recall,
    f05: s.f05,
    f1: s.f1,
    support: s.support,
    threshold: options.thresholds?.[i] ?? 0,
    ...(options.rules ? { rule: options.rules[i] } : {}),
  }));
  const perLanguage: Metrics["per_language"] = {};
  if (options.langs) {
    const byLang = new Map<string, number[]>();
    options.langs.forEach((l, i) => byLang.set(l, [...(byLang.get(l) ?? []), i]));
    for (const [lang, rows] of byLang) {
      if (rows.length < (options.minLanguagePosts ?? 20)) continue;
      perLanguage[lang] = {
        weighted_f05: weightedFBeta(selectRows(yTrue, rows), selectRows(yPred, rows), { beta: 0.5 }),
        n: rows.length,
      };
    }
  }
  return {
    weighted_f05: report.weightedF05,
    macro_f05: macroFBeta(yTrue, yPred, { beta: 0.5 }),
    micro_f05: microFBeta(yTrue, yPred, { beta: 0.5 }),
    weighted_f1: report.weightedF1,
    macro_f1: report.macroF1,
    micro_f1: report.microF1,
    per_tag: perTag,
    per_language: perLanguage,
  };
}

/** `m` with `extra` all-zero columns appended (tags a model cannot predict still count against it). */
export function padColumns<T extends LabelMatrix | ScoreMatrix>(m: T, extra: number): T {
  if (extra === 0) return m;
  const cols = m.cols + extra;
  const data = new (m.data.constructor as new (n: number) => T["data"])(m.rows * cols);
  for (let r = 0; r < m.rows; r++) data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), r * cols);
  return { ...m, data, rows: m.rows, cols };
}
