/**
 * A real crash: `deno task infer` is killed with SIGKILL mid-run on PostgreSQL. Seen from another machine
 * its claim still looks alive, so a restart inside the lease exits 75 (busy); after the lease the restart
 * resumes the same run and ends with exactly the rows an uninterrupted run writes. (On the killed worker's
 * own host the claim is taken over at once: src/infer/claim_test.ts.)
 */
import assert from "node:assert/strict";
import { runInference } from "@/infer/mod.ts";
import { inferWorld, PERIOD_END } from "./support/infer_world.ts";
import { freshPostgres, postgresAvailable } from "./support/db.ts";

const ARGS = [
  "--in-process",
  "--since",
  "1d",
  "--until",
  PERIOD_END.toISOString(),
  "--sample",
  "1000",
  "--seed",
  "5",
];

Deno.test({
  name: "deno task infer killed with SIGKILL resumes the same run after its lease and writes no duplicates",
  ignore: !postgresAvailable() && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const world = await inferWorld();
    const pg = (await freshPostgres())!;
    try {
      const store = await world.storeFor(pg.db);
      await world.model(store);
      const env = {
        DATABASE_URL: pg.url,
        DATA_DIR: world.settings.dataDir,
        MODELS_DIR: world.settings.modelsDir,
        ENCODER_CACHE_DIR: world.settings.encoderCacheDir,
        ANON_SECRET: "k".repeat(40),
      };
      const infer = (extra: string[], stdout: "piped" | "null" = "null") =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "scripts/infer.ts", ...ARGS, ...extra],
          env,
          stdout,
          stderr: "piped",
        });
      const count = async () =>
        (await pg.db.query<{ n: number }>("select count(*)::int as n from predictions"))[0].n;

      const child = infer(["--batch-size", "1", "--lease", "8"], "piped").spawn();
      let seen = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        seen += chunk;
        if (/^infer: \d+\/\d+ posts$/m.test(seen)) break; // the first batch is committed
      }
      child.kill("SIGKILL");
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");
      const partial = await count();
      assert.ok(partial > 0 && partial < 31 * 2, `${partial} rows written before the kill`);
      const [run] = await pg.db.query<{ id: string; status: string }>(
        "select id, status from runs where kind = 'infer'",
      );
      assert.equal(run.status, "running");

      // The holder as another machine would see it: its pid cannot be checked from here.
      await pg.db.query("update infer_claims set owner = 'other-host:1:killed'");
      const busy = await infer(["--lease", "8"]).output();
      assert.equal(busy.code, 75, new TextDecoder().decode(busy.stderr));
      assert.equal(await count(), partial);

      await new Promise((r) => setTimeout(r, 8500)); // the killed worker's lease runs out
      const resumed = await infer(["--lease", "8"]).output();
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      const rows = async () =>
        await pg.db.query("select post_id, tag_id, probability, predicted from predictions order by 1, 2");
      const afterResume = await rows();
      assert.equal(afterResume.length, 31 * 2);

      await pg.db.query("delete from predictions");
      await pg.db.query("delete from quarantine where stage = 'infer'");
      await runInference(store, world.settings, {
        since: "1d",
        until: PERIOD_END,
        sample: 1000,
        seed: 5,
        imageEncoder: world.encoder,
      });
      assert.deepEqual(await rows(), afterResume);
    } finally {
      await pg.db.close();
      await world.encoder.close();
      await Deno.remove(world.root, { recursive: true });
    }
  },
});
