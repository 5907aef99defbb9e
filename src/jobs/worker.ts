/**
 * A worker: takes jobs from the queues it is given until stopped. Any number of them, on any number of
 * machines sharing one PostgreSQL (and the storage the README names). A worker holding the image
 * encoder on a GPU takes `encode` jobs in large batches (`batch` posts per encoder pass, gathered from
 * several jobs); CPU workers take the rest one job at a time.
 */
import type { Engine, EngineJob, JobOutcome, QueueName } from "@/queue/mod.ts";
import type { JobContext } from "./context.ts";
import {
  encodePosts,
  finishPreprocess,
  inferPosts,
  ingestChunk,
  preprocessPosts,
  refreshAfterRun,
  setAside,
} from "./handlers.ts";
import { enqueueInfer, PREPROCESS_BATCH_POSTS } from "./enqueue.ts";
import { planInferRun } from "@/infer/mod.ts";
import type {
  InferBatch,
  InferStart,
  IngestChunk,
  PostBatch,
  PreprocessFinish,
  TrendsRefresh,
} from "./payloads.ts";
import { type Isolation, settleBatch, settleWhole } from "./poison.ts";

export interface WorkerOptions {
  queues: readonly QueueName[];
  /** Jobs of each queue handled at once in this process. @default 1 */
  concurrency?: number;
  /** Posts per encoder pass: encode jobs are fetched together up to this many posts. @default 64 (one job) */
  batch?: number;
  /** Told about every job taken, before it runs (for the worker's log). */
  onStart?: (queue: QueueName, id: string) => void;
  /** Told about every settled job (for the worker's log). */
  onJob?: (queue: QueueName, outcome: JobOutcome, ms: number) => void;
}

export async function startWorker(engine: Engine, ctx: JobContext, options: WorkerOptions): Promise<void> {
  const concurrency = options.concurrency ?? 1;
  const timed = async (queue: QueueName, jobs: EngineJob<unknown>[], f: () => Promise<JobOutcome[]>) => {
    for (const j of jobs) options.onStart?.(queue, j.id);
    const t0 = performance.now();
    const out = await f();
    const ms = (performance.now() - t0) / Math.max(1, jobs.length);
    for (const o of out) options.onJob?.(queue, o, ms);
    return out;
  };
  const probe = async () => void await ctx.store.db.query("select 1");
  const isolation = <T extends { ids: string[]; runId: string }>(
    job: "preprocess" | "encode" | "infer",
    data: T,
    run: (ids: string[]) => Promise<unknown>,
  ): Isolation => ({
    run: async (ids) => void await run(ids),
    probe,
    setAside: (id, err) =>
      setAside(ctx.store.db, job, data.runId, [{
        postId: id,
        modality: "",
        reason: `${job} job failed on this post: ${err.message}`,
      }]),
  });
  for (const queue of options.queues) {
    const batchSize = queue === "encode"
      ? Math.max(1, Math.ceil((options.batch ?? PREPROCESS_BATCH_POSTS) / PREPROCESS_BATCH_POSTS))
      : 1;
    await engine.work<unknown>(queue, { batchSize, concurrency }, (jobs) =>
      timed(queue, jobs, async () => {
        if (queue === "encode" && jobs.length > 1) {
          // One encoder pass for the whole fetch; should it fail, each job on its own (and isolated).
          // Jobs of one feature config only (a fetch may hold jobs of two preprocess runs).
          const first = jobs[0].data as PostBatch;
          const key = JSON.stringify(first.config);
          const same = jobs.filter((j) => JSON.stringify((j.data as PostBatch).config) === key);
          const all = same.flatMap((j) => (j.data as PostBatch).ids);
          const whole = await encodePosts(ctx, first, all).then(() => true, () => false);
          if (whole) {
            const out: JobOutcome[] = same.map((j) => ({ id: j.id, status: "completed" as const }));
            for (const job of jobs.filter((j) => !same.includes(j))) out.push(await handle(queue, job));
            return out;
          }
        }
        const out: JobOutcome[] = [];
        for (const job of jobs) out.push(await handle(queue, job));
        return out;
      }));
  }

  function handle(queue: QueueName, job: EngineJob<unknown>): Promise<JobOutcome> {
    switch (queue) {
      case "ingest":
        return settleWhole(job, () => ingestChunk(ctx, job.data as IngestChunk));
      case "preprocess": {
        if ((job.data as PreprocessFinish).finish) {
          return settleWhole(job, () => finishPreprocess(ctx, job.data as PreprocessFinish));
        }
        const b = job.data as PostBatch;
        return settleBatch(
          job as EngineJob<PostBatch>,
          isolation("preprocess", b, (ids) => preprocessPosts(ctx, b, ids)),
        );
      }
      case "encode": {
        const b = job.data as PostBatch;
        return settleBatch(
          job as EngineJob<PostBatch>,
          isolation("encode", b, (ids) => encodePosts(ctx, b, ids)),
        );
      }
      case "infer": {
        if ((job.data as InferStart).start) {
          const s = job.data as InferStart;
          return settleWhole(job, async () => {
            const plan = await planInferRun(ctx.store, ctx.settings, s);
            const sent = await enqueueInfer(engine, plan);
            return { runId: plan.runId, jobs: sent.jobs, already: sent.already };
          });
        }
        const b = job.data as InferBatch;
        return settleBatch(
          job as EngineJob<InferBatch>,
          isolation("infer", b, (ids) => inferPosts(ctx, b, ids)),
        );
      }
      case "trends":
        return settleWhole(job, () => refreshAfterRun(ctx, job.data as TrendsRefresh));
    }
  }
}
