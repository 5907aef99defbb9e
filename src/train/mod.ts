/**
 * Training: split, fit, tune per-tag thresholds, score (weighted F0.5), write the experiment manifest,
 * and promote the model only when it is better; the drift check; the views notebooks show.
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
