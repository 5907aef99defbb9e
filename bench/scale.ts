/**
 * The job engine at work on this machine: posts/s preprocessed (texts + MobileNetV2 on each post's new
 * image) and scored, with 1 and 2 `deno task worker` processes on one PostgreSQL (shared DATA_DIR), beside
 * the peer measured in the same run: the same posts through the in-process path (`--in-process`, no
 * engine). And the engine's own cost per job — no-op jobs through pg-boss, one worker, one job at a
 * time — against the work per job, which bounds what more workers can gain.
 */
import { join } from "node:path";
import sharp from "sharp";
import type { Settings } from "@/config/mod.ts";
import { enqueueInfer, enqueuePreprocess } from "@/jobs/mod.ts";
import { planInferRun } from "@/infer/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { DEFAULT_FEATURE_CONFIG } from "@/encode/mod.ts";
import { type EngineOptions, jobState, openEngine } from "@/queue/mod.ts";
import { type Db, readDataset } from "@/store/mod.ts";
import { freshPostgres } from "../tests/support/db.ts";
import { inferWorld, PERIOD_END } from "../tests/support/infer_world.ts";

export interface ScaleOptions {
  /** Posts, each with an image of its own. @default 300 */
  posts?: number;
  /** No-op jobs for the engine's overhead. @default 300 */
  noop?: number;
}

const INFER = { since: "1d", until: PERIOD_END, sample: 100_000, seed: 1 };

export async function run(_settings: Settings, options: ScaleOptions = {}): Promise<Record<string, unknown>> {
  const n = options.posts ?? 300;
  const world = await inferWorld();
  try {
    const jsonl = await posts(world.root, n);
    const env = (db: string, dataDir: string) => ({
      DATABASE_URL: db,
      DATA_DIR: dataDir,
      BLOBS_DIR: join(world.settings.dataDir, "blobs"),
      MODELS_DIR: world.settings.modelsDir,
      ENCODER_CACHE_DIR: world.settings.encoderCacheDir,
      ANON_SECRET: "k".repeat(40),
    });
    const database = async (trainModel = false) => {
      const pg = (await freshPostgres())!;
      const store = await world.storeFor(pg.db);
      await ingest(store, readJsonlPosts(jsonl), { source: "scale" });
      if (trainModel) await world.model(store);
      return pg;
    };
    const results: Record<string, unknown> = { posts: n + 32 };

    // The peer: the same work in-process, no engine.
    {
      const pg = await database(true);
      const e = env(pg.url, join(world.root, "peer"));
      const pre = await timed(() => task(["scripts/preprocess.ts", "--in-process"], e));
      const inf = await timed(() =>
        task(["scripts/infer.ts", "--in-process", "--since", "1d", "--until", PERIOD_END.toISOString()], e)
      );
      const scored = await count(pg.db, "select count(distinct post_id)::int as n from predictions");
      results.in_process = {
        preprocess_posts_per_s: round((n + 32) / pre),
        infer_posts_per_s: round(scored / inf),
        note: "whole task including its start (models loaded once)",
      };
      await pg.db.close();
    }

    for (const workers of [1, 2]) {
      const pg = await database();
      const dataDir = join(world.root, `w${workers}`);
      const procs = [...Array(workers)].map(() =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "scripts/worker.ts"],
          env: env(pg.url, dataDir),
          stdout: "piped",
          stderr: "null",
        }).spawn()
      );
      const ready = procs.map((p) => waitFor(p.stdout, /^worker \d+: queues/m));
      await Promise.all(ready.map((r) => r.seen));
      const engine = await openEngine(pg.url);
      const store = { ...(await world.storeFor(pg.db)) };
      try {
        const ids = (await readDataset(pg.db, {})).map((p) => p.id);
        const pre = await timed(async () => {
          const sent = await enqueuePreprocess(engine, "preprocess-scale", ids, {
            config: DEFAULT_FEATURE_CONFIG,
            batchPosts: 16,
          });
          await until(pg.db, sent.last);
        });
        const plan = await planInferRun(store, world.settings, INFER);
        const inf = await timed(async () => {
          const sent = await enqueueInfer(engine, plan, { batchPosts: 50 });
          await until(pg.db, sent.last);
        });
        const jobs = await pg.db.query<{ name: string; n: number; ms: number }>(
          `select name, count(*)::int as n,
             avg(extract(epoch from completed_on - started_on) * 1000)::float8 as ms
           from pgboss.job where state = 'completed' and name in ('preprocess', 'encode', 'infer')
           group by name`,
        );
        results[`workers_${workers}`] = {
          preprocess_posts_per_s: round(ids.length / pre),
          infer_posts_per_s: round(plan.ids.length / inf),
          ms_per_job: Object.fromEntries(jobs.map((j) => [j.name, round(j.ms)])),
          jobs: Object.fromEntries(jobs.map((j) => [j.name, j.n])),
        };
      } finally {
        await engine.stop();
        for (const p of procs) p.kill("SIGTERM");
        for (const p of procs) await p.status;
        await pg.db.close();
      }
    }

    // The engine's own cost per job: no-op jobs, one worker, one job at a time, the queue full; through
    // the product's engine settings (src/queue) and, beside them, with pg-boss's 60 s ready count.
    results.engine_overhead = {
      ms_per_noop_job: await noopMsPerJob(options.noop ?? 300, {}),
      ms_per_noop_job_pgboss_ready_count: await noopMsPerJob(Math.ceil((options.noop ?? 300) / 3), {
        readyCountSeconds: 60,
      }),
      note:
        "fetch + complete of an empty job through openEngine (one worker, batchSize 1, burst fetching); " +
        "the second with the ready count burst fetching reads refreshed every 60 s (pg-boss's default)",
    };
    return results;
  } finally {
    await world.encoder.close();
    await Deno.remove(world.root, { recursive: true }).catch(() => {});
  }
}

/** `n` posts in the period, each with a small image of its own (so each needs the encoder). */
async function posts(root: string, n: number): Promise<string> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = `media/s${i}.png`;
    await sharp({
      create: {
        width: 48 + (i % 7),
        height: 40,
        channels: 3,
        background: { r: i % 256, g: (i * 7) % 256, b: 90 },
      },
    }).png().toFile(join(root, file));
    lines.push(JSON.stringify({
      id: `s${i}`,
      platform: "mastodon",
      created_at: new Date(PERIOD_END.getTime() - 1000 - i * 200_000).toISOString(),
      text: `${i % 2 ? "sunny beach fire" : "cold snow ice"} post ${i}`,
      media: [{ kind: "image", path: file }],
    }));
  }
  const path = join(root, "scale.jsonl");
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return path;
}

async function task(args: string[], env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!out.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Resolves `seen` when the output matches; keeps reading after, so the worker never writes to a closed pipe. */
function waitFor(stream: Deno.ChildProcess["stdout"], re: RegExp) {
  let text = "";
  let hit = () => {};
  const seen = new Promise<void>((r) => (hit = r));
  (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      if (text.length < 10_000) text += chunk;
      if (re.test(text)) hit();
    }
  })();
  return { seen };
}

async function until(db: Db, id: string): Promise<void> {
  for (;;) {
    if (await jobState(db, id) === "completed") return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

async function count(db: Db, sql: string): Promise<number> {
  return (await db.query<{ n: number }>(sql))[0].n;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Milliseconds per no-op job, `k` of them through one worker of an engine opened with `engineOptions`. */
async function noopMsPerJob(k: number, engineOptions: EngineOptions): Promise<number> {
  const pg = (await freshPostgres())!;
  const engine = await openEngine(pg.url, engineOptions);
  try {
    for (let i = 0; i < k; i++) await engine.send("trends", { noop: i });
    let done = 0;
    const seconds = await timed(async () => {
      await engine.work("trends", { batchSize: 1 }, (jobs) => {
        done += jobs.length;
        return Promise.resolve(jobs.map((j) => ({ id: j.id, status: "completed" as const })));
      });
      while (done < k) await new Promise((r) => setTimeout(r, 20));
    });
    return round((seconds * 1000) / k);
  } finally {
    await engine.stop({ timeoutSeconds: 5 });
    await pg.db.close();
  }
}
