/**
 * The job engine's state and the dead-letter list (the same as GET /api/jobs), and what an operator does
 * with them.
 *
 *   deno task jobs status [--json]          queues, jobs that failed every attempt, items jobs set aside
 *   deno task jobs retry                    send the dead-lettered jobs back to their queues
 *   deno task jobs ingest --source jsonl:PATH [--chunk 5000]   ingest a file as chunk jobs
 *   deno task jobs schedule --cron "0 0-23/6 * * *" --since 6h  the engine's cron starts inference runs
 *   deno task jobs unschedule               remove that schedule
 *
 * The engine's cron is the alternative to the crontab (README "Scheduling"): each occurrence sends one
 * job however many workers run, and a worker taking it plans the run and sends its batches.
 */
import { loadSettings } from "@/config/mod.ts";
import { enqueueIngest } from "@/jobs/mod.ts";
import { jobsStatus } from "@/queue/mod.ts";
import { openDb } from "@/store/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";
import { engineFor } from "./_jobs.ts";

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, import.meta.url, {
    json: { type: "boolean", help: "status as JSON" },
    source: { type: "string", help: "ingest: a file source (jsonl:PATH, sample)" },
    chunk: { type: "string", default: "5000", help: "ingest: items per job" },
    cron: { type: "string", help: "schedule: cron expression (UTC)" },
    since: { type: "string", default: "6h", help: "schedule: window of each inference run" },
    sample: { type: "string", default: "300000", help: "schedule: posts per run" },
  }, { allowPositionals: true });
  const [command = "status"] = positionals;
  const settings = loadSettings();
  if (command === "status") {
    const db = await openDb(settings);
    try {
      const s = await jobsStatus(db);
      if (values.json) {
        console.log(JSON.stringify(s, null, 2));
        return 0;
      }
      console.log(`engine: ${s.engine}`);
      for (const q of s.queues) {
        console.log(
          `  ${q.queue.padEnd(11)} queued ${q.queued}, active ${q.active}, retry ${q.retry}, ` +
            `completed ${q.completed}, failed ${q.failed}`,
        );
      }
      console.log(`dead-letter list: ${s.dead.length} jobs, ${s.set_aside.length} items set aside`);
      for (const d of s.dead) {
        console.log(`  job ${d.id} (${d.queue}, ${d.attempts} attempts): ${d.error} — ${d.about}`);
      }
      for (const i of s.set_aside) console.log(`  ${i.queue} ${i.item} ${i.modality || "post"}: ${i.reason}`);
      return 0;
    } finally {
      await db.close();
    }
  }
  if (!["retry", "ingest", "schedule", "unschedule"].includes(command)) {
    throw new UsageError(`unknown command "${command}": status, retry, ingest, schedule or unschedule`);
  }
  const engine = await engineFor(settings, `jobs ${command}`);
  try {
    if (command === "retry") {
      console.log(`jobs: ${await engine.retryDead()} dead-lettered jobs sent back to their queues`);
    } else if (command === "ingest") {
      if (!values.source) throw new UsageError("jobs ingest needs --source (jsonl:PATH or sample)");
      const chunk = Number(values.chunk);
      if (!Number.isInteger(chunk) || chunk < 1) {
        throw new UsageError(`--chunk "${values.chunk}" must be a positive integer`);
      }
      const items = await countItems(values.source, settings.dataDir);
      const sent = await enqueueIngest(engine, values.source, items, { chunk });
      console.log(`jobs: ${values.source}: ${items} items in ${sent.jobs} ingest jobs`);
    } else if (command === "schedule") {
      if (!values.cron) throw new UsageError('jobs schedule needs --cron, e.g. --cron "0 0-23/6 * * *"');
      const data = {
        start: true,
        since: values.since,
        sample: Number(values.sample),
        about: `cron ${values.cron}`,
      };
      await engine.schedule("infer", values.cron, data);
      console.log(`jobs: inference runs (${values.since}) scheduled at "${values.cron}" UTC`);
    } else {
      await engine.unschedule("infer");
      console.log("jobs: inference schedule removed");
    }
    return 0;
  } finally {
    await engine.stop();
  }
}

/** Items of a JSONL source: its non-empty lines (what the importer reads, one item each). */
async function countItems(spec: string, dataDir: string): Promise<number> {
  const path = spec === "sample"
    ? `${dataDir}/raw/sample/posts.jsonl`
    : spec.startsWith("jsonl:")
    ? spec.slice(6)
    : "";
  if (!path) {
    throw new UsageError(`Cannot ingest "${spec}" in chunks: give a JSONL source (jsonl:PATH or sample)`);
  }
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l.trim().length > 0).length;
}

if (import.meta.main) await run(main);
