/**
 * Training: split, the tagger (linear model on the full TF-IDF bag + fusion network, blended, calibrated,
 * decided per tag) and its tuning protocol, scoring (weighted F0.5), the experiment manifest, promotion
 * only when better; the drift check; the views notebooks show.
 *
 * @module
 */
export * from "./train.ts";
export * from "./manifest.ts";
export * from "./registry.ts";
export * from "./freshness.ts";
export * from "./drift_check.ts";
export * from "./code_version.ts";
export * from "./f_beta.ts";
export * from "./thresholds.ts";
export * from "./notebook_views.ts";
export { evaluate, padColumns, selectRows } from "./evaluate.ts";
export { fitLinear, type LinearModel, type LinearOptions, predictLinear, sparseRows } from "./linear.ts";
export { decide, loadScorer, scoreAssembled, type Scorer, toFusion } from "./score_model.ts";
export { loadTagger, saveTagger, type TaggerMeta, type TaggerParts } from "./tagger.ts";
export { adjustedShare, estimateShares, shareError, type TagRates, tagRates } from "./shares.ts";
