/**
 * Work split into jobs and sent to the engine. Job ids come from what the jobs do, so sending the same
 * inference run twice (two cron starts in one window) adds nothing; a flow makes the run's last step —
 * the trend refresh, or the preprocess run's figures — wait for all its batches.
 */
import type { FeatureConfig } from "@/encode/mod.ts";
import type { InferPlan } from "@/infer/mod.ts";
import { type Engine, type FlowStep, jobId } from "@/queue/mod.ts";

/** Posts per preprocess/encode job: small enough that a GPU worker gathers several into one pass. */
export const PREPROCESS_BATCH_POSTS = 64;
/** Posts per inference job (as `deno task infer --batch-size`). */
export const INFER_BATCH_POSTS = 2000;

export interface Enqueued {
  /** Jobs sent (0 when the run's jobs were there already). */
  jobs: number;
  /** The id of the step that ends the run: wait for it. */
  last: string;
  already: boolean;
}

const chunks = <T>(xs: T[], n: number) =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

/** One preprocess and one encode job per batch of posts, then the run's finishing step. */
export async function enqueuePreprocess(
  engine: Engine,
  runId: string,
  ids: string[],
  options: { config: FeatureConfig; batchPosts?: number },
): Promise<Enqueued> {
  const batches = chunks(ids, options.batchPosts ?? PREPROCESS_BATCH_POSTS);
  const steps: FlowStep[] = [];
  for (const [i, batch] of batches.entries()) {
    for (const queue of ["preprocess", "encode"] as const) {
      steps.push({
        ref: `${queue}-${i}`,
        queue,
        id: await jobId(runId, queue, String(i)),
        data: {
          runId,
          ids: batch,
          config: options.config,
          about: `${runId} batch ${i} (${batch.length} posts)`,
        },
      });
    }
  }
  const last = await jobId(runId, "finish");
  steps.push({
    ref: "finish",
    queue: "preprocess",
    id: last,
    data: { runId, finish: true, about: `${runId}: finish` },
    dependsOn: steps.map((s) => s.ref),
  });
  await engine.flow(steps);
  return { jobs: steps.length, last, already: false };
}

/** One infer job per batch of the sample, then the trend refresh of the period. */
export async function enqueueInfer(
  engine: Engine,
  plan: InferPlan,
  options: { batchPosts?: number } = {},
): Promise<Enqueued> {
  const last = await jobId(plan.runId, "trends");
  if (await engine.exists("trends", last)) return { jobs: 0, last, already: true };
  const steps: FlowStep[] = [];
  for (const [i, batch] of chunks(plan.ids, options.batchPosts ?? INFER_BATCH_POSTS).entries()) {
    steps.push({
      ref: `infer-${i}`,
      queue: "infer",
      id: await jobId(plan.runId, "infer", String(i)),
      data: { runId: plan.runId, model: plan.modelVersion, ids: batch, about: `${plan.runId} batch ${i}` },
    });
  }
  steps.push({
    ref: "trends",
    queue: "trends",
    id: last,
    data: {
      runId: plan.runId,
      from: plan.period.from.toISOString(),
      to: plan.period.to.toISOString(),
      about: `${plan.runId}: refresh trends`,
    },
    dependsOn: steps.map((s) => s.ref),
  });
  try {
    await engine.flow(steps);
  } catch (err) {
    // Another process sent the same run a moment ago (same ids): that is the run to wait for.
    if (await engine.exists("trends", last)) return { jobs: 0, last, already: true };
    throw err;
  }
  return { jobs: steps.length, last, already: false };
}

/** One ingest job per `chunk` items of a file source holding `items` items. */
export async function enqueueIngest(
  engine: Engine,
  source: string,
  items: number,
  options: { chunk?: number } = {},
): Promise<Enqueued> {
  const chunk = options.chunk ?? 5000;
  const ids: string[] = [];
  for (let skip = 0; skip < items; skip += chunk) {
    const id = await jobId("ingest", source, String(skip), String(chunk));
    const take = Math.min(chunk, items - skip);
    await engine.send("ingest", { source, skip, take, about: `${source} items ${skip}..${skip + take}` }, {
      id,
    });
    ids.push(id);
  }
  return { jobs: ids.length, last: ids.at(-1) ?? "", already: false };
}
