/** What the tasks that enqueue share: the engine on DATABASE_URL, and working on a run until it is done. */
import type { Settings } from "@/config/mod.ts";
import { jobContext, startWorker, waitForJob } from "@/jobs/mod.ts";
import { type Engine, openEngine, type QueueName } from "@/queue/mod.ts";
import type { Store } from "@/store/mod.ts";
import { UsageError } from "./_cli.ts";

/** The job engine on the shared PostgreSQL; a usage error on the embedded database. */
export async function engineFor(settings: Settings, task: string): Promise<Engine> {
  if (!settings.databaseUrl) {
    throw new UsageError(
      `${task} needs DATABASE_URL: workers share one PostgreSQL (on the embedded database ` +
        `deno task preprocess and deno task infer run the work in-process)`,
    );
  }
  const engine = await openEngine(settings.databaseUrl);
  engine.onError((err) => console.error(`${task}: engine: ${err.message}`));
  return engine;
}

/**
 * Waits for the run's last job. With `work`, this process takes the run's queues meanwhile, so a lone
 * cron start finishes its run as before, and with workers running it is one worker more.
 */
export async function finishRun(
  engine: Engine,
  store: Store,
  settings: Settings,
  run: { runId: string; last: string; queues: QueueName[]; work: boolean; label: string },
): Promise<void> {
  const ctx = jobContext(store, settings);
  try {
    if (run.work) {
      await startWorker(engine, ctx, {
        queues: run.queues,
        onJob: (queue, o) => {
          if (o.status === "failed") {
            console.error(`${run.label}: ${queue} job ${o.id} failed: ${o.output?.message}`);
          }
        },
      });
    }
    let ticks = 0;
    await waitForJob(store.db, run.last, {
      runId: run.runId,
      onTick: () => {
        if (++ticks % 20 === 0) console.log(`${run.label}: waiting for run ${run.runId}`);
      },
    });
  } finally {
    await engine.stop();
    await ctx.close();
  }
}
