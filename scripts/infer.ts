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
 * Exit codes: 0 ok; 75 busy (EX_TEMPFAIL: another worker is scoring this run, or the embedded database
 * is in use — cron simply tries again next time); 69 unavailable (database unreachable, no model);
 * 64 usage; 1 failed.
 */
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/mod.ts";
import { InferBusyError, type InferOptions, parseShard, runInference } from "@/infer/mod.ts";
import { DatabaseUnavailableError, openStore } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { EXIT, run, UsageError } from "./_cli.ts";
import { ensureModels } from "./_models.ts";

/** After writing, the trend aggregates of the period are rebuilt, so the dashboard reads fresh figures. */
const trendsRefresh: InferOptions["afterWrite"] = async (db, period) => {
  await refreshAggregates(db, { from: period.from, to: period.to });
};

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      since: { type: "string", default: "24h" }, // window length; the period is the last complete one
      until: { type: "string" },
      sample: { type: "string", default: "300000" }, // enough for per-tag shares within ~0.2 points
      seed: { type: "string", default: "1" },
      model: { type: "string", default: "current" },
      shard: { type: "string", default: "0/1" },
      "batch-size": { type: "string", default: "2000" }, // posts per transaction
      lease: { type: "string", default: "600" }, // seconds without heartbeat before a shard is taken over
    },
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

if (import.meta.main) await run(main);
