/**
 * Scores predictions the way the product is judged: weighted F0.5 (scikit-learn's
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
import { applyThresholds, type ScoreMatrix } from "./thresholds.ts";

/** Rows of a matrix, as a new matrix. */
export function selectRows<T extends ScoreMatrix | LabelMatrix>(m: T, rows: number[]): T {
  const data = new (m.data.constructor as new (n: number) => T["data"])(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { ...m, data, rows: rows.length };
}

export function scoreThresholded(
  scores: ScoreMatrix,
  yTrue: LabelMatrix,
  thresholds: number[],
): { weighted_f05: number } {
  return { weighted_f05: weightedFBeta(yTrue, applyThresholds(scores, thresholds), { beta: 0.5 }) };
}

export function evaluate(
  scores: ScoreMatrix,
  yTrue: LabelMatrix,
  thresholds: number[],
  options: { tags: string[]; langs?: string[]; minLanguagePosts?: number },
): Omit<Metrics, "ablation"> {
  const yPred = applyThresholds(scores, thresholds);
  const report = multiLabelReport(yTrue, yPred);
  const perTag: TagScore[] = perTagScores(yTrue, yPred).map((s, i) => ({
    tag: options.tags[i],
    precision: s.precision,
    recall: s.recall,
    f05: s.f05,
    f1: s.f1,
    support: s.support,
    threshold: thresholds[i],
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
