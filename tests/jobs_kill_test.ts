/**
 * Three `deno task worker` processes on one throwaway PostgreSQL, each with a data folder of its own (no
 * shared feature cache; one blob store and one model folder shared, as the README's "Workers on several
 * machines" says). The preprocessing of a small sample corpus plus a test world with hostile posts, and an
 * inference run, are enqueued; one worker is SIGKILLed in the middle of an inference job (which one: a
 * seeded choice). Its job comes back to another worker after the heartbeat, and in the end:
 * - predictions, detected languages and quarantine entries equal an uninterrupted in-process run's on a
 *   second database (same posts, same run id), and no (run, post, tag) is written twice;
 * - the dead-letter list holds no job, and its set-aside items are exactly the hostile posts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRng } from "@/core/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { jobId, jobsStatus, jobState } from "@/queue/mod.ts";
import type { Db, Store } from "@/store/mod.ts";
import { generateSample } from "../tools/sample/mod.ts";
import { freshPostgres, postgresAvailable } from "./support/db.ts";
import { inferWorld, PERIOD_END } from "./support/infer_world.ts";

const SEED = Number(Deno.env.get("JOBS_KILL_SEED") ?? 18);
const INFER = ["--since", "1d", "--until", PERIOD_END.toISOString(), "--sample", "1000", "--seed", "5"];

/** Posts whose media are broken (their text says "broken"), beside the world's own two. */
async function hostilePosts(root: string): Promise<string> {
  const png = await Deno.readFile(join(root, "media/0.png"));
  await Deno.writeFile(join(root, "media/truncated.png"), png.slice(0, 40));
  await Deno.writeFile(join(root, "media/noise.mp4"), crypto.getRandomValues(new Uint8Array(4096)));
  const at = (h: number) => new Date(PERIOD_END.getTime() - h * 3_600_000).toISOString();
  const rows = [
    {
      id: "h1",
      text: "sunny beach, broken: truncated picture",
      media: [{ kind: "image", path: "media/truncated.png" }],
    },
    {
      id: "h2",
      text: "cold snow, broken: noise as a video",
      media: [{ kind: "video", path: "media/noise.mp4" }],
    },
  ].map((r, i) => ({ ...r, platform: "mastodon", created_at: at(4 + i) }));
  const path = join(root, "hostile.jsonl");
  await Deno.writeTextFile(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

Deno.test({
  name: "three workers, one SIGKILLed mid-job: every post processed once, only hostile posts set aside",
  ignore: !postgresAvailable() && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const world = await inferWorld();
    const jobsPg = (await freshPostgres())!;
    const basePg = (await freshPostgres())!;
    const children: Deno.ChildProcess[] = [];
    try {
      const sampleDir = join(world.root, "sample");
      await generateSample(sampleDir, { posts: 16, seed: 5 });
      const hostile = await hostilePosts(world.root);
      const fill = async (db: Db) => {
        const store = await world.storeFor(db);
        await ingest(store, readJsonlPosts(hostile), { source: "hostile" });
        await ingest(store, readJsonlPosts(join(sampleDir, "posts.jsonl")), { source: "sample" });
        return store;
      };
      const baseStore = await fill(basePg.db);
      await fill(jobsPg.db);
      await world.model(baseStore);
      const common = {
        MODELS_DIR: world.settings.modelsDir,
        ENCODER_CACHE_DIR: world.settings.encoderCacheDir,
        ANON_SECRET: "k".repeat(40),
        BLOBS_DIR: join(world.settings.dataDir, "blobs"), // one blob store for every worker
      };
      const task = async (script: string, args: string[], env: Record<string, string>) => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", script, ...args],
          env: { ...common, ...env },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        assert.equal(out.code, 0, `${script} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
        return text;
      };

      // The uninterrupted run: the same tasks in-process on the second database.
      const baseEnv = { DATABASE_URL: basePg.url, DATA_DIR: world.settings.dataDir };
      await task("scripts/preprocess.ts", ["--in-process"], baseEnv);
      await task("scripts/infer.ts", ["--in-process", ...INFER], baseEnv);
      // The jobs, enqueued before any worker runs, in small batches so there are many.
      const jobsEnv = { DATABASE_URL: jobsPg.url, DATA_DIR: join(world.root, "enqueuer") };
      const pre = await task("scripts/preprocess.ts", ["--enqueue-only", "--batch-size", "8"], jobsEnv);
      const preRun = pre.match(/^preprocess (\S+): \d+ posts in (\d+) jobs/m)!;
      const inf = await task("scripts/infer.ts", ["--enqueue-only", "--batch-size", "4", ...INFER], jobsEnv);
      const inferRun = inf.match(/^infer: run (\S+) /m)![1];
      // Three workers, each with its own data folder (its own feature cache).
      const rng = createRng(SEED);
      const killAt = 1 + Math.floor(rng() * 3); // the n-th infer job taken by any worker
      const delayMs = Math.floor(rng() * 30);
      const lines: string[][] = [[], [], []];
      let starts = 0;
      let killed: { worker: number; job: string } | undefined;
      const readers = [0, 1, 2].map((w) => {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "scripts/worker.ts"],
          env: { ...common, DATABASE_URL: jobsPg.url, DATA_DIR: join(world.root, `worker-${w}`) },
          stdout: "piped",
          stderr: "null",
        }).spawn();
        children.push(child);
        return (async () => {
          let rest = "";
          for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
            rest += chunk;
            const parts = rest.split("\n");
            rest = parts.pop()!;
            for (const line of parts) {
              lines[w].push(line);
              const m = line.match(/^start infer (\S+)/);
              if (m && !killed && ++starts === killAt) {
                killed = { worker: w, job: m[1] };
                await new Promise((r) => setTimeout(r, delayMs));
                child.kill("SIGKILL");
              }
            }
          }
        })();
      });

      const done = async (id: string) => {
        for (let i = 0; i < 240; i++) {
          if (await jobState(jobsPg.db, id) === "completed") return;
          await new Promise((r) => setTimeout(r, 500));
        }
        assert.fail(`job ${id} did not complete in 2 minutes: ${JSON.stringify(lines)}`);
      };
      await done(await jobId(inferRun, "trends"));
      await done(await jobId(preRun[1], "finish"));
      assert.ok(killed, "a worker was killed");
      assert.equal((await children[killed.worker].status).signal, "SIGKILL");
      for (const [w, c] of children.entries()) if (w !== killed.worker) c.kill("SIGTERM");
      await Promise.all(readers);
      // The killed worker's job: taken again by another worker after its heartbeat ran out.
      const [job] = await jobsPg.db.query<{ retry_count: number; state: string }>(
        "select retry_count, state::text as state from pgboss.job where id = $1::uuid",
        [killed.job],
      );
      assert.deepEqual(job, { retry_count: 1, state: "completed" }, `killed job ${killed.job}`);
      assert.ok(
        lines.some((l, w) =>
          w !== killed!.worker && l.some((x) => x.startsWith(`infer ${killed!.job} completed`))
        ),
        "another worker completed the killed worker's job",
      );

      // Every post processed exactly once: the same rows as the uninterrupted run, none twice.
      const predictions = async (db: Db) =>
        await db.query<{ post_id: string; tag_id: number; p: number; predicted: boolean }>(
          `select post_id, tag_id, probability::float8 as p, predicted from predictions where run_id = $1
           order by post_id, tag_id`,
          [inferRun],
        );
      const [mine, theirs] = [await predictions(jobsPg.db), await predictions(basePg.db)];
      assert.ok(theirs.length > 0);
      assert.equal(mine.length, theirs.length);
      mine.forEach((r, i) => {
        const b = theirs[i];
        assert.deepEqual([r.post_id, r.tag_id, r.predicted], [b.post_id, b.tag_id, b.predicted]);
        assert.ok(Math.abs(r.p - b.p) < 1e-4, `${r.post_id} tag ${r.tag_id}: ${r.p} vs ${b.p}`);
      });
      const [dup] = await jobsPg.db.query<{ n: number }>(
        "select count(*)::int - count(distinct (run_id, post_id, tag_id))::int as n from predictions",
      );
      assert.equal(dup.n, 0);
      const langs = (db: Db) => db.query("select id, doc ->> 'lang_detected' as lang from posts order by id");
      assert.deepEqual(await langs(jobsPg.db), await langs(basePg.db));
      const setAside = (db: Db) =>
        db.query(
          `select stage, item, modality from quarantine where stage in ('preprocess', 'infer')
           order by 1, 2, 3`,
        );
      assert.deepEqual(await setAside(jobsPg.db), await setAside(basePg.db));
      const [run] = await jobsPg.db.query<{ status: string }>("select status from runs where id = $1", [
        inferRun,
      ]);
      assert.equal(run.status, "succeeded");

      // The dead-letter list: no job failed for good; the items set aside are the hostile posts.
      const status = await jobsStatus(jobsPg.db);
      assert.equal(status.engine, "pg-boss");
      assert.deepEqual(status.dead, []);
      const hostileIds = (await jobsPg.db.query<{ id: string }>(
        `select id from posts where source in ('test', 'hostile')
           and (doc ->> 'text' is null or doc ->> 'text' ilike '%broken%') order by id`,
      )).map((r) => r.id);
      assert.equal(hostileIds.length, 4);
      assert.deepEqual([...new Set(status.set_aside.map((s) => s.item))].sort(), hostileIds);
      await (baseStore as Store).close().catch(() => {});
    } finally {
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch { /* exited */ }
      }
      await jobsPg.db.close();
      await basePg.db.close().catch(() => {});
      await world.encoder.close();
      await Deno.remove(world.root, { recursive: true });
    }
  },
});
