import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { claimShard, InferBusyError } from "./claim.ts";
import { type InferOptions, runInference } from "./infer.ts";
import { inferRunId } from "./sample.ts";
import { inferWorld, PERIOD_END } from "../../tests/support/infer_world.ts";

const world = await inferWorld();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(world.root, { recursive: true });
  } catch { /* already gone */ }
});

const base: InferOptions = {
  since: "1d",
  until: PERIOD_END,
  sample: 1000,
  seed: 5,
  imageEncoder: world.encoder,
};

async function predictionRows(db: Db, runId: string) {
  return await db.query<{ post_id: string; tag_id: number; probability: number; predicted: boolean }>(
    `select post_id, tag_id, probability, predicted from predictions where run_id = $1 order by post_id, tag_id`,
    [runId],
  );
}

async function setup(db: Db) {
  const store = await world.storeFor(db);
  const version = await world.model(store);
  return { store, version };
}

dbTest(
  "runInference() scores the sample, flags a broken image, sets aside a post with nothing usable, and a rerun writes nothing twice",
  async (db) => {
    const { store, version } = await setup(db);
    const periods: string[] = [];
    const s = await runInference(store, world.settings, {
      ...base,
      afterWrite: (_db, p) =>
        Promise.resolve(void periods.push(`${p.from.toISOString()}/${p.to.toISOString()}`)),
    });
    assert.equal(s.modelVersion, version);
    assert.equal(s.sampled, 32); // 30 + bad-image + nothing; "old" is outside the period
    assert.equal(s.sampled, s.scored + s.quarantined);
    assert.equal(s.quarantined, 1);
    assert.equal(s.flagged, 1);
    assert.equal(s.rows, s.scored * 2);
    assert.deepEqual(periods, ["2026-05-01T00:00:00.000Z/2026-05-02T00:00:00.000Z"]);

    const rows = await predictionRows(db, s.runId);
    assert.equal(rows.length, 31 * 2);
    const tags = new Map(
      (await db.query<{ id: number; name: string }>("select id, name from tags")).map((t) => [t.id, t.name]),
    );
    for (const r of rows) {
      assert.equal(r.predicted, r.probability >= (tags.get(r.tag_id) === "cool" ? 0.5 : 0.45));
    }
    const q = await db.query<{ modality: string; item: string }>(
      "select modality, item from quarantine where stage = 'infer' and run_id = $1 order by modality",
      [s.runId],
    );
    assert.deepEqual(q.map((r) => r.modality), ["", "image", "image"]);
    const left = q.find((r) => r.modality === "")!.item;
    assert.ok(!rows.some((r) => r.post_id === left), "the post with nothing usable has no predictions");

    const again = await runInference(store, world.settings, base);
    assert.equal(again.runId, s.runId);
    assert.equal(again.rows, 0);
    assert.equal(again.resumed, 32);
    assert.deepEqual(
      [again.sampled, again.scored, again.quarantined, again.flagged],
      [s.sampled, s.scored, s.quarantined, s.flagged],
    );
    assert.deepEqual(await predictionRows(db, s.runId), rows);
    const [run] = await db.query<{ status: string; model_version: string }>(
      "select status, model_version from runs where id = $1",
      [s.runId],
    );
    assert.deepEqual(run, { status: "succeeded", model_version: version });
  },
);

dbTest(
  "runInference() resumes a run that crashed after its first batch and ends with the same rows",
  async (db) => {
    const { store } = await setup(db);
    const opts = { ...base, batchSize: 8 };
    await assert.rejects(
      runInference(store, world.settings, {
        ...opts,
        onBatch: () => {
          throw new Error("simulated crash");
        },
      }),
      /simulated crash/,
    );
    const runId =
      (await db.query<{ id: string; status: string }>("select id, status from runs where kind = 'infer'"))[0];
    assert.equal(runId.status, "failed");
    const partial = await predictionRows(db, runId.id);
    const inFlight = db.kind === "postgres" ? 2 : 1; // batches written at once (see runInference)
    assert.ok(partial.length > 0 && partial.length <= inFlight * 8 * 2);

    const resumed = await runInference(store, world.settings, opts);
    assert.equal(resumed.runId, runId.id);
    assert.ok(resumed.resumed >= partial.length / 2);
    assert.equal(resumed.sampled, resumed.scored + resumed.quarantined);
    const afterResume = await predictionRows(db, runId.id);

    await db.query("delete from predictions where run_id = $1", [runId.id]);
    await db.query("delete from quarantine where run_id = $1", [runId.id]);
    const clean = await runInference(store, world.settings, opts);
    assert.equal(clean.resumed, 0);
    assert.deepEqual(afterResume, await predictionRows(db, runId.id));
  },
);

dbTest(
  "runInference() refuses to start while another worker holds the run, and writes nothing",
  async (db) => {
    const { store, version } = await setup(db);
    const runId = inferRunId(version, {
      period: { from: new Date("2026-05-01T00:00:00Z"), to: PERIOD_END },
      size: 1000,
      seed: 5,
    });
    const other = await claimShard(db, runId, { index: 0, count: 1 });
    await assert.rejects(runInference(store, world.settings, base), InferBusyError);
    assert.equal((await predictionRows(db, runId)).length, 0);
    await other.release();
    const s = await runInference(store, world.settings, base);
    assert.equal(s.runId, runId);
  },
);

dbTest("runInference() on two shards at once writes exactly what one worker writes", async (db) => {
  const { store } = await setup(db);
  const one = await runInference(store, world.settings, base);
  const single = await predictionRows(db, one.runId);
  await db.query("delete from predictions where run_id = $1", [one.runId]);
  await db.query("delete from quarantine where run_id = $1", [one.runId]);
  await db.query("update runs set summary = '{}' where id = $1", [one.runId]);

  const [a, b] = await Promise.all(
    [0, 1].map((index) =>
      runInference(store, world.settings, { ...base, batchSize: 5, shard: { index, count: 2 } })
    ),
  );
  assert.ok(a.sampled > 0 && b.sampled > 0);
  assert.equal(a.sampled + b.sampled, one.sampled);
  assert.equal(a.scored + b.scored, one.scored);
  assert.deepEqual(await predictionRows(db, one.runId), single);
  const [run] = await db.query<{ status: string; summary: { shards: Record<string, unknown> } }>(
    "select status, summary from runs where id = $1",
    [one.runId],
  );
  assert.equal(run.status, "succeeded");
  assert.deepEqual(Object.keys(run.summary.shards).sort(), ["0/2", "1/2"]);
});

dbTest(
  "runInference() writes a batch again with the insert when the server rejects its COPY",
  async (db, engine) => {
    if (engine === "pglite") return; // PGlite writes through the insert only
    const { store } = await setup(db);
    const clean = await runInference(store, world.settings, { ...base, batchSize: 8 });
    const expected = await predictionRows(db, clean.runId);
    await db.query("delete from predictions where run_id = $1", [clean.runId]);
    await db.query("delete from quarantine where run_id = $1", [clean.runId]);
    // Just before the first COPY, one of its rows appears from elsewhere (as from a worker that raced
    // this one): the server rejects the COPY on the duplicate key, the insert skips that row.
    let rejected = 0, planted = false;
    const racing: Db = {
      ...db,
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            ...tx,
            copyRows: async (table, columns, rows) => {
              const list = [...rows];
              if (!planted) {
                planted = true;
                await db.query(
                  `insert into predictions (${columns.join(", ")}) values ($1, $2, $3, $4, $5, $6)`,
                  list[0],
                );
              }
              return await tx.copyRows!(table, columns, list).catch((err) => {
                rejected++;
                throw err;
              });
            },
          })
        ),
    };
    const s = await runInference({ ...store, db: racing }, world.settings, { ...base, batchSize: 8 });
    assert.equal(rejected, 1);
    assert.equal(s.rows, expected.length - 1);
    assert.equal(s.sampled, s.scored + s.quarantined);
    assert.deepEqual(await predictionRows(db, clean.runId), expected);
  },
);
