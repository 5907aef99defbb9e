import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { insertPosts, type PostRecord } from "@/store/mod.ts";
import { corpusStats } from "./corpus_stats.ts";

function post(id: string, overrides: Partial<PostRecord> = {}): PostRecord {
  return {
    id,
    platform: "mastodon",
    source: "test",
    createdAt: new Date("2026-01-15T12:00:00Z"),
    doc: { text: `post ${id}`, lang: "en" },
    contentHash: `hash-${id}`,
    media: [],
    ...overrides,
  };
}

const image = { position: 0, kind: "image" as const };
const video = { position: 1, kind: "video" as const };

dbTest("corpusStats() counts posts by modality mix, language, platform, month and tag", async (db) => {
  await insertPosts(db, [
    post("a", { labels: [{ tag: "cats", annotator: "source" }, { tag: "dogs", annotator: "source" }] }),
    post("b", {
      media: [image],
      doc: { text: "hallo", lang: "en", lang_detected: "de" } as PostRecord["doc"],
      labels: [{ tag: "cats", annotator: "source" }, { tag: "cats", annotator: "ann" }],
    }),
    post("c", {
      media: [image, video],
      platform: "bluesky",
      createdAt: new Date("2026-02-28T23:59:00Z"),
      labels: [{ tag: "dogs", annotator: "ann", value: false }],
    }),
    post("d", { media: [video], doc: {}, createdAt: undefined }),
  ]);
  const s = await corpusStats(db);
  assert.equal(s.posts, 4);
  assert.deepEqual(s.byModality, [
    { key: "text", n: 1 },
    { key: "text+image", n: 1 },
    { key: "text+image+video", n: 1 },
    { key: "video", n: 1 },
  ]);
  assert.deepEqual(s.byLanguage, [{ key: "en", n: 2 }, { key: "de", n: 1 }, { key: "unknown", n: 1 }]);
  assert.deepEqual(s.byDeclaredLanguage, [{ key: "en", n: 3 }, { key: "unknown", n: 1 }]);
  assert.deepEqual(s.byPlatform, [{ key: "mastodon", n: 3 }, { key: "bluesky", n: 1 }]);
  assert.deepEqual(s.byMonth, [{ key: "2026-01", n: 2 }, { key: "2026-02", n: 1 }, { key: "unknown", n: 1 }]);
  // "cats" twice on post b counts once; the explicit "not dogs" on c does not count.
  assert.deepEqual(s.tagFrequencies, [{ key: "cats", n: 2 }, { key: "dogs", n: 1 }]);
});

dbTest("corpusStats() returns zero posts and empty counts for an empty store", async (db) => {
  const s = await corpusStats(db);
  assert.equal(s.posts, 0);
  assert.deepEqual([s.byModality, s.byMonth, s.tagFrequencies], [[], [], []]);
});
