/**
 * The job engine (pg-boss on PostgreSQL) and what it holds: queues and their retry policy, workers'
 * fetching, flows, cron, and the dead-letter list. The pipeline's jobs themselves are in src/jobs/.
 *
 * ```ts
 * const engine = await openEngine(settings.databaseUrl!); // loads pg-boss on first use
 * await engine.send("infer", { runId, ids }, { id: await jobId("infer", runId, "0") });
 * const status = await jobsStatus(db); // plain SQL: no engine needed
 * ```
 */
export {
  type Engine,
  type EngineJob,
  type EngineOptions,
  type FlowStep,
  type JobOutcome,
  openEngine,
  type WorkOptions,
} from "./engine.ts";
export {
  DEAD_LETTER_QUEUE,
  jobId,
  parseQueues,
  QUEUE_POLICY,
  type QueueName,
  type QueuePolicy,
  QUEUES,
} from "./queues.ts";
export {
  type DeadJob,
  type JobsStatus,
  jobsStatus,
  jobState,
  pendingJobs,
  type QueueCounts,
  type SetAsideItem,
} from "./status.ts";
