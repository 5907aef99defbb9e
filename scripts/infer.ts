/**
 * Tag a reproducible random sample of recent posts with a registered model (the cron job).
 *
 *   deno task infer                                  last complete 24 h window, 300,000 posts, current model
 *   deno task infer --since 6h --sample 50000        a 6-hour window, a smaller sample
 *   deno task infer --seed 2 --model m20261129T...   another sample, a given model version
 *   deno task infer --shard 0/4                      worker 0 of 4 sharing one PostgreSQL (run 0/4 .. 3/4)
 *   deno task infer --until 2026-11-29T12:00:00Z     a given period end instead of the last window boundary
 *
 * The period is snapped to whole windows of `--since` (UTC), so a rerun in the same window is the same
 * run: it writes nothing twice and finishes what a killed run left. Every 6 hours from cron (`0-23/6`
 * is cron's "every 6th hour", the same as star-slash-6, spelled so it can sit in this comment):
 *
 *   0 0-23/6 * * * cd /srv/posttagger && deno task infer --since 6h >> data/logs/infer.log 2>&1
 *
 * On PostgreSQL (DATABASE_URL) the run goes through the job engine: its sample as jobs of --batch-size
 * posts, then the trend refresh once all are done; this task works on them too and returns when the
 * run is done (`--enqueue-only` leaves them to `deno task worker`s; a second start in the same window
 * finds the run's jobs there and waits for them). On the embedded database, with `--in-process` or
 * with a `--shard`, it runs here (the shard claimed with a heartbeat, see src/infer/claim.ts).
 *
 * Exit codes: 0 ok; 75 busy (EX_TEMPFAIL: another worker is scoring this run, or the embedded database
 * is in use — cron simply tries again next time); 69 unavailable (database unreachable, no model);
 * 64 usage; 1 failed.
 */
import { loadSettings } from "@/config/mod.ts";
import { InferBusyError, type InferOptions, parseShard, runInference } from "@/infer/mod.ts";
import { DatabaseUnavailableError, openStore } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { enqueueInfer } from "@/jobs/mod.ts";
import { planInferRun } from "@/infer/mod.ts";
import type { Settings } from "@/config/mod.ts";
import { EXIT, parseCli, run, UsageError } from "./_cli.ts";
import { engineFor, finishRun } from "./_jobs.ts";
import { ensureModels } from "./_models.ts";

/** After writing, the trend aggregates of the period are rebuilt, so the dashboard reads fresh figures. */
const trendsRefresh: InferOptions["afterWrite"] = async (db, period) => {
  await refreshAggregates(db, { from: period.from, to: period.to });
};

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    since: {
      type: "string",
      default: "24h",
      help: "window length (6h, 7d, 800d); the period is the last complete one",
    },
    until: { type: "string", help: "end of the period (ISO time; default now)" },
    sample: { type: "string", default: "300000", help: "posts to score per period" }, // per-tag shares within ~0.2 points
    seed: { type: "string", default: "1", help: "seed of the random sample" },
    model: { type: "string", default: "current", help: "model version to use" },
    shard: { type: "string", default: "0/1", help: "this worker's shard i/n of the period" },
    "batch-size": { type: "string", default: "2000", help: "posts per transaction" },
    lease: {
      type: "string",
      default: "600",
      help: "seconds without heartbeat before another worker takes a shard over",
    },
    "in-process": { type: "boolean", help: "run here without the job engine (always on PGlite)" },
    "enqueue-only": { type: "boolean", help: "send the run's jobs and return: deno task worker does them" },
  });
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} "${v}" must be a positive integer`);
    return n;
  };
  const until = values.until ? new Date(values.until) : undefined;
  if (until && Number.isNaN(until.getTime())) throw new UsageError(`--until "${values.until}" is not a date`);
  let shard;
  try {
    shard = parseShard(values.shard);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const settings = loadSettings();
  await ensureModels(settings);
  if (settings.databaseUrl && !values["in-process"] && shard.count === 1) {
    return await viaEngine(settings, {
      since: values.since,
      until,
      sample: num("sample", values.sample),
      seed: Number(values.seed),
      model: values.model,
      batchPosts: num("batch-size", values["batch-size"]),
      enqueueOnly: values["enqueue-only"] ?? false,
    });
  }
  let store;
  try {
    store = await openStore(settings);
  } catch (err) {
    if (err instanceof DatabaseUnavailableError && /is using it/.test(err.message)) {
      console.error(`infer: busy: ${err.message}`);
      return EXIT.busy;
    }
    throw err;
  }
  try {
    const s = await runInference(store, settings, {
      since: values.since,
      until,
      sample: num("sample", values.sample),
      seed: Number(values.seed),
      model: values.model,
      shard,
      batchSize: num("batch-size", values["batch-size"]),
      leaseSeconds: num("lease", values.lease),
      onBatch: ({ done, total }) => console.log(`infer: ${done}/${total} posts`),
      afterWrite: trendsRefresh,
    });
    console.log(
      `infer: run ${s.runId} (model ${s.modelVersion}, ${s.period.from} .. ${s.period.to}, shard ${s.shard})`,
    );
    console.log(
      `  sampled ${s.sampled} = scored ${s.scored} + quarantined ${s.quarantined}; flagged ${s.flagged} ` +
        `(scored without a failed modality); ${s.resumed} done before; ${s.rows} rows written for ${s.tags} tags`,
    );
    console.log(
      `  features: ${s.features.cache_hits} cached, ${s.features.computed} computed; timings (s): ` +
        Object.entries(s.timings_s).map(([k, v]) => `${k} ${v}`).join(", "),
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof InferBusyError) {
      console.error(`infer: busy: ${err.message}`);
      return EXIT.busy;
    }
    if (err instanceof Deno.errors.NotFound) {
      console.error(`error: ${err.message}`);
      return EXIT.unavailable;
    }
    throw err;
  } finally {
    await store.close();
  }
}

/** The run as jobs; this task works on them until the trend refresh after the last batch is done. */
async function viaEngine(
  settings: Settings,
  o: {
    since: string;
    until?: Date;
    sample: number;
    seed: number;
    model: string;
    batchPosts: number;
    enqueueOnly: boolean;
  },
): Promise<number> {
  const engine = await engineFor(settings, "infer");
  const store = await openStore(settings);
  try {
    const plan = await planInferRun(store, settings, o);
    const sent = await enqueueInfer(engine, plan, { batchPosts: o.batchPosts });
    console.log(
      `infer: run ${plan.runId} (model ${plan.modelVersion}): ${plan.ids.length} posts ` +
        (sent.already ? "already enqueued" : `in ${sent.jobs} jobs`),
    );
    if (o.enqueueOnly) {
      await engine.stop();
      return EXIT.ok;
    }
    await finishRun(engine, store, settings, {
      runId: plan.runId,
      last: sent.last,
      queues: ["infer", "trends"],
      work: true,
      label: "infer",
    });
    const [r] = await store.db.query<{ summary: Record<string, number> }>(
      "select summary from runs where id = $1",
      [plan.runId],
    );
    console.log(
      `infer: run ${plan.runId} done: scored ${r.summary.scored}, quarantined ${r.summary.quarantined}, ` +
        `${r.summary.rows} rows`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

if (import.meta.main) await run(main);
