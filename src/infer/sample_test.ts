import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { inferRunId, parseShard, sampleIds, type SampleSpec } from "./sample.ts";

const period = { from: new Date("2026-05-01T00:00:00Z"), to: new Date("2026-05-02T00:00:00Z") };

/** 1,000 posts in the period (one every 86.4 s), 10 before and 10 after it. */
async function seedPosts(db: Db) {
  await db.query(
    `insert into posts (id, platform, source, created_at, content_hash)
     select 'post-' || i, 'test', 'test', $1::timestamptz + (i * interval '86.4 seconds'), 'h' || i
     from generate_series(-10, 1009) as s(i)`,
    [period.from.toISOString()],
  );
}

dbTest("sampleIds() draws the same sample for the same seed and another for another seed", async (db) => {
  await seedPosts(db);
  const spec: SampleSpec = { period, size: 100, seed: 1 };
  const a = await sampleIds(db, spec);
  assert.equal(a.length, 100);
  assert.equal(new Set(a).size, 100);
  assert.deepEqual(await sampleIds(db, spec), a);
  const b = await sampleIds(db, { ...spec, seed: 2 });
  assert.ok(b.filter((id) => a.includes(id)).length < 40, "another seed draws mostly other posts");
  const all = await sampleIds(db, { ...spec, size: 5000 });
  assert.equal(all.length, 1000, "only posts inside the period");
  assert.ok(!all.includes("post--1") && !all.includes("post-1005"));
});

dbTest("sampleIds() is uniform over the period: early and late posts are drawn alike", async (db) => {
  await seedPosts(db);
  let early = 0, total = 0;
  for (let seed = 1; seed <= 20; seed++) {
    for (const id of await sampleIds(db, { period, size: 100, seed })) {
      total++;
      if (Number(id.slice(5)) < 500) early++;
    }
  }
  assert.equal(total, 2000);
  // Binomial(2000, 0.5): sd ~22; 90 is ~4 sd.
  assert.ok(Math.abs(early - 1000) < 90, `early posts drawn ${early} of 2000 times`);
});

dbTest("sampleIds() on shards splits the sample into disjoint parts that add up to it", async (db) => {
  await seedPosts(db);
  const spec: SampleSpec = { period, size: 300, seed: 9 };
  const whole = await sampleIds(db, spec);
  const parts = await Promise.all([0, 1, 2].map((index) => sampleIds(db, spec, { index, count: 3 })));
  for (const p of parts) assert.ok(p.length > 60, `a shard of ${p.length} posts`);
  assert.deepEqual(parts.flat().sort(), [...whole].sort());
});

Deno.test("inferRunId() depends on the model, period, size and seed only", () => {
  const spec: SampleSpec = { period, size: 100, seed: 1 };
  const id = inferRunId("m1", spec);
  assert.equal(inferRunId("m1", { ...spec, period: { ...period } }), id);
  assert.match(id, /^infer-20260502T000000Z-[0-9a-f]{12}$/);
  for (
    const other of [
      inferRunId("m2", spec),
      inferRunId("m1", { ...spec, seed: 2 }),
      inferRunId("m1", { ...spec, size: 99 }),
    ]
  ) {
    assert.notEqual(other, id);
  }
});

Deno.test("parseShard() reads i/n and rejects the rest with the spec quoted", () => {
  assert.deepEqual(parseShard("1/4"), { index: 1, count: 4 });
  for (const bad of ["4/4", "1/0", "a/b", "1"]) {
    assert.throws(
      () => parseShard(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});
