import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { refreshAggregates } from "./refresh.ts";
import { seedTrendData } from "../../tests/support/trend_seed.ts";

async function seed(db: Db): Promise<void> {
  await seedTrendData(db, {
    runs: [
      { id: "r1", startedAt: "2026-01-01T00:00:00Z" },
      { id: "r2", startedAt: "2026-02-01T00:00:00Z" },
      { id: "r3", startedAt: "2026-03-01T00:00:00Z", status: "failed" },
    ],
    posts: [
      { id: "p1", createdAt: "2026-01-05T10:00:00Z", lang: "en" },
      { id: "p2", createdAt: "2026-01-05T23:30:00Z", lang: "fr" },
      { id: "p3", createdAt: "2026-01-06T00:10:00Z", lang: "en", platform: "bluesky" },
      { id: "p4", createdAt: "2026-01-06T00:10:00Z", lang: "en" }, // never scored
      { id: "p5", createdAt: "2026-01-06T08:00:00Z" }, // no language
    ],
    predictions: [
      { post: "p1", run: "r1", tag: "a", probability: 0.9 },
      { post: "p1", run: "r1", tag: "b", probability: 0.2 },
      { post: "p2", run: "r1", tag: "a", probability: 0.7 },
      { post: "p2", run: "r1", tag: "b", probability: 0.6 },
      { post: "p3", run: "r1", tag: "a", probability: 0.1 },
      { post: "p3", run: "r1", tag: "b", probability: 0.8 },
      { post: "p3", run: "r1", tag: "c", probability: 0.9 },
      { post: "p5", run: "r1", tag: "c", probability: 0.55 },
      // r2 is newer: it replaces r1's predictions of p1
      { post: "p1", run: "r2", tag: "a", probability: 0.3 },
      { post: "p1", run: "r2", tag: "b", probability: 0.8 },
      { post: "p1", run: "r2", tag: "c", probability: 0.6 },
      // r3 failed: ignored although newest
      { post: "p2", run: "r3", tag: "a", probability: 0 },
      { post: "p2", run: "r3", tag: "b", probability: 0 },
    ],
  });
}

const sampled = (db: Db) =>
  db.query(
    `select to_char(day, 'YYYY-MM-DD') as day, platform, lang, posts from sampled_daily order by 1, 2, 3`,
  );
const tagged = (db: Db) =>
  db.query(
    `select to_char(d.day, 'YYYY-MM-DD') as day, t.name as tag, d.platform, d.lang, d.tagged,
            round(d.prob_sum::numeric, 3)::float8 as prob
     from tag_daily d join tags t on t.id = d.tag_id order by 1, 3, 4, 2`,
  );
const pairs = (db: Db) =>
  db.query(
    `select to_char(d.day, 'YYYY-MM-DD') as day, a.name as a, b.name as b, d.platform, d.lang, d.posts
     from tag_pair_daily d join tags a on a.id = d.tag_a join tags b on b.id = d.tag_b order by 1, 4, 5, 2`,
  );

dbTest(
  "refreshAggregates() counts each post once, with its newest non-failed run's prediction",
  async (db) => {
    await seed(db);
    const summary = await refreshAggregates(db);
    assert.equal(summary.posts, 4);
    assert.equal(summary.sampledRows, 4);
    assert.deepEqual(await sampled(db), [
      { day: "2026-01-05", platform: "mastodon", lang: "en", posts: 1 },
      { day: "2026-01-05", platform: "mastodon", lang: "fr", posts: 1 },
      { day: "2026-01-06", platform: "bluesky", lang: "en", posts: 1 },
      { day: "2026-01-06", platform: "mastodon", lang: "und", posts: 1 },
    ]);
    assert.deepEqual(await tagged(db), [
      { day: "2026-01-05", tag: "a", platform: "mastodon", lang: "en", tagged: 0, prob: 0.3 },
      { day: "2026-01-05", tag: "b", platform: "mastodon", lang: "en", tagged: 1, prob: 0.8 },
      { day: "2026-01-05", tag: "c", platform: "mastodon", lang: "en", tagged: 1, prob: 0.6 },
      { day: "2026-01-05", tag: "a", platform: "mastodon", lang: "fr", tagged: 1, prob: 0.7 },
      { day: "2026-01-05", tag: "b", platform: "mastodon", lang: "fr", tagged: 1, prob: 0.6 },
      { day: "2026-01-06", tag: "a", platform: "bluesky", lang: "en", tagged: 0, prob: 0.1 },
      { day: "2026-01-06", tag: "b", platform: "bluesky", lang: "en", tagged: 1, prob: 0.8 },
      { day: "2026-01-06", tag: "c", platform: "bluesky", lang: "en", tagged: 1, prob: 0.9 },
      { day: "2026-01-06", tag: "c", platform: "mastodon", lang: "und", tagged: 1, prob: 0.55 },
    ]);
    assert.deepEqual(await pairs(db), [
      { day: "2026-01-05", a: "b", b: "c", platform: "mastodon", lang: "en", posts: 1 },
      { day: "2026-01-05", a: "a", b: "b", platform: "mastodon", lang: "fr", posts: 1 },
      { day: "2026-01-06", a: "b", b: "c", platform: "bluesky", lang: "en", posts: 1 },
    ]);
  },
);

dbTest("refreshAggregates() rebuilds only the days in range and is idempotent", async (db) => {
  await seed(db);
  await refreshAggregates(db);
  const before = await tagged(db);
  // A newer run rescoring p3 (2026-01-06): only "a" now.
  await seedTrendData(db, {
    runs: [{ id: "r4", startedAt: "2026-04-01T00:00:00Z" }],
    posts: [],
    predictions: [
      { post: "p3", run: "r4", tag: "a", probability: 0.95 },
      { post: "p3", run: "r4", tag: "b", probability: 0.05 },
    ],
  });
  const s = await refreshAggregates(db, { from: "2026-01-06", to: new Date("2026-01-06T00:00:00Z") });
  assert.equal(s.posts, 2);
  const after = await tagged(db);
  assert.deepEqual(after.filter((r) => r.day === "2026-01-05"), before.filter((r) => r.day === "2026-01-05"));
  assert.deepEqual(after.filter((r) => r.day === "2026-01-06" && r.platform === "bluesky"), [
    { day: "2026-01-06", tag: "a", platform: "bluesky", lang: "en", tagged: 1, prob: 0.95 },
    { day: "2026-01-06", tag: "b", platform: "bluesky", lang: "en", tagged: 0, prob: 0.05 },
  ]);
  assert.equal((await pairs(db)).filter((r) => r.day === "2026-01-06").length, 0);
  const again = await refreshAggregates(db);
  assert.equal(again.posts, 4);
  assert.deepEqual(await tagged(db), after);
});

dbTest("refreshAggregates() refuses a range that ends before it starts", async (db) => {
  await assert.rejects(
    refreshAggregates(db, { from: "2026-02-01", to: "2026-01-01" }),
    /Cannot refresh aggregates from "2026-02-01" to "2026-01-01"/,
  );
  await assert.rejects(refreshAggregates(db, { from: "yesterday" }), /Cannot use day "yesterday"/);
});
