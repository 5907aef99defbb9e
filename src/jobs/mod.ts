/**
 * The pipeline's work as jobs for the engine (src/queue/): ingest a source chunk, preprocess and encode
 * a batch of posts, score a batch of an inference run, refresh the trends once a run's batches are done.
 * Each job is idempotent and retried with backoff; a post that fails on its own is set aside in
 * `quarantine` and its batch goes on (poison.ts). On the embedded database the scripts run the stages
 * in-process, without the engine.
 *
 * ```ts
 * const engine = await openEngine(settings.databaseUrl!);
 * const plan = await planInferRun(store, settings, { since: "6h" });
 * const { last } = await enqueueInfer(engine, plan);
 * await startWorker(engine, jobContext(store, settings), { queues: ["infer", "trends"] });
 * ```
 */
export { type JobContext, jobContext } from "./context.ts";
export {
  type Enqueued,
  enqueueInfer,
  enqueueIngest,
  enqueuePreprocess,
  INFER_BATCH_POSTS,
  PREPROCESS_BATCH_POSTS,
} from "./enqueue.ts";
export type {
  InferBatch,
  InferStart,
  IngestChunk,
  PostBatch,
  PreprocessFinish,
  TrendsRefresh,
} from "./payloads.ts";
export { startWorker, type WorkerOptions } from "./worker.ts";
export { waitForJob } from "./wait.ts";
