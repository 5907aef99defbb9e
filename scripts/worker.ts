/**
 * A job worker: takes the pipeline's jobs (ingest chunks, preprocess and encode batches, inference
 * batches, trend refreshes) from the engine on DATABASE_URL until stopped (SIGINT/SIGTERM: the jobs in
 * hand are finished first). Start any number, on any machine sharing the PostgreSQL and the storage the
 * README's "Workers on several machines" names.
 *
 *   deno task worker                                   every queue, one job at a time
 *   deno task worker --queues preprocess,infer --concurrency 2
 *   deno task worker --queues encode --batch 256       a GPU machine: encode jobs, 256 posts per pass
 *
 * Each job is a line when taken (`start queue job-id`) and one when settled
 * (`queue job-id completed|failed (ms)`).
 */
import { loadSettings } from "@/config/mod.ts";
import { jobContext, startWorker } from "@/jobs/mod.ts";
import { parseQueues, QUEUES } from "@/queue/mod.ts";
import { openStore } from "@/store/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";
import { engineFor } from "./_jobs.ts";
import { ensureModels } from "./_models.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    queues: { type: "string", default: QUEUES.join(","), help: "queues to take jobs from" },
    concurrency: { type: "string", default: "1", help: "jobs of each queue at once" },
    batch: {
      type: "string",
      default: "64",
      help: "posts per encoder pass: encode jobs fetched together (GPU: 256)",
    },
  });
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} "${v}" must be a positive integer`);
    return n;
  };
  let queues;
  try {
    queues = parseQueues(values.queues!);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const concurrency = int("concurrency", values.concurrency!);
  const batch = int("batch", values.batch!);
  const settings = loadSettings();
  const engine = await engineFor(settings, "worker");
  await ensureModels(settings);
  const store = await openStore(settings);
  const ctx = jobContext(store, settings);
  const stopped = new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => resolve());
  });
  await startWorker(engine, ctx, {
    queues,
    concurrency,
    batch,
    onStart: (queue, id) => console.log(`start ${queue} ${id}`),
    onJob: (queue, o, ms) => {
      const extra = o.status === "failed" ? `: ${o.output?.message}` : "";
      console.log(`${queue} ${o.id} ${o.status} (${Math.round(ms)} ms)${extra}`);
    },
  });
  console.log(
    `worker ${Deno.pid}: queues ${queues.join(",")}, concurrency ${concurrency}, batch ${batch}, ` +
      `encoders on ${settings.encoderDevice ?? "cpu"} (ENCODER_DEVICE)`,
  );
  await stopped;
  console.log(`worker ${Deno.pid}: stopping (finishing the jobs in hand)`);
  await engine.stop();
  await ctx.close();
  await store.close();
  return 0;
}

if (import.meta.main) await run(main);
