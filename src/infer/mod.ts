/**
 * Inference: a reproducible sample of a period's posts scored with a registered model, written
 * idempotently to `predictions`, resumable after a kill, split over shards, one worker per shard.
 *
 * ```ts
 * const summary = await runInference(store, settings, { since: "6h", sample: 300_000, seed: 1 });
 * ```
 */
export { type Claim, type ClaimOptions, claimShard, InferBusyError } from "./claim.ts";
export { type InferOptions, type InferSummary, runInference } from "./infer.ts";
export { inferPeriod, parseDuration, type Period, type PeriodOptions } from "./period.ts";
export { inferRunId, parseShard, sampleIds, type SampleSpec, type Shard, shardKey, WHOLE } from "./sample.ts";
export {
  type BatchOutcome,
  type BatchScorer,
  finishInferRun,
  type InferPlan,
  openBatchScorer,
  planInferRun,
  scoreInferBatch,
} from "./batch.ts";
export { readPostsById } from "./_posts.ts";
