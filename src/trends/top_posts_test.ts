import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { seedTrendData } from "../../tests/support/trend_seed.ts";
import { topPosts } from "./top_posts.ts";
import { UnknownTagError } from "./_filter.ts";

dbTest("topPosts() orders a tag's posts by their latest prediction's probability", async (db) => {
  await seedTrendData(db, {
    runs: [
      { id: "r1", startedAt: "2026-01-01T00:00:00Z" },
      { id: "r2", startedAt: "2026-02-01T00:00:00Z", modelVersion: "m2" },
      { id: "r3", startedAt: "2026-03-01T00:00:00Z", status: "failed" },
    ],
    posts: [
      { id: "p1", createdAt: "2026-01-05T10:00:00Z", lang: "en", text: "first post, long text" },
      { id: "p2", createdAt: "2026-01-05T11:00:00Z", lang: "fr" },
      { id: "p3", createdAt: "2026-01-06T00:10:00Z", lang: "en", platform: "bluesky" },
    ],
    predictions: [
      { post: "p1", run: "r1", tag: "a", probability: 0.9 },
      { post: "p1", run: "r2", tag: "a", probability: 0.3 }, // newer: p1 no longer carries a
      { post: "p1", run: "r2", tag: "b", probability: 0.8 },
      { post: "p2", run: "r1", tag: "a", probability: 0.7 },
      { post: "p2", run: "r1", tag: "b", probability: 0.6 },
      { post: "p2", run: "r3", tag: "b", probability: 0.1 }, // failed run: ignored
      { post: "p3", run: "r1", tag: "b", probability: 0.8 },
      { post: "p3", run: "r1", tag: "a", probability: 0.2 },
    ],
  });
  const b = await topPosts(db, "b", { snippetLength: 10 });
  assert.deepEqual(b.map((p) => p.id), ["p1", "p3", "p2"]);
  assert.deepEqual(
    { ...b[0], probability: Math.round(b[0].probability * 100) / 100 },
    {
      id: "p1",
      probability: 0.8,
      createdAt: "2026-01-05T10:00:00.000Z",
      platform: "mastodon",
      lang: "en",
      snippet: "first post",
      runId: "r2",
      modelVersion: "m2",
    },
  );
  assert.deepEqual((await topPosts(db, "a")).map((p) => p.id), ["p2"]);
  assert.deepEqual((await topPosts(db, "b", { platform: "bluesky" })).map((p) => p.id), ["p3"]);
  assert.deepEqual((await topPosts(db, "b", { lang: "fr" })).map((p) => p.id), ["p2"]);
  assert.deepEqual((await topPosts(db, "b", { to: "2026-01-05", limit: 1 })).map((p) => p.id), ["p1"]);
  await assert.rejects(topPosts(db, "nope"), (e) => e instanceof UnknownTagError && /"nope"/.test(e.message));
});
