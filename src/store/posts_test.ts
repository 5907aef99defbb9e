import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { insertLabels, insertPosts, type PostRecord } from "./posts.ts";
import { quarantine, quarantineCounts } from "./quarantine.ts";
import { finishRun, listRuns, startRun } from "./runs.ts";
import { exportLabelsWideCsv, refreshLabelsWide } from "./wide.ts";

function post(id: string, overrides: Partial<PostRecord> = {}): PostRecord {
  return {
    id,
    platform: "mastodon",
    source: "test",
    createdAt: new Date("2026-01-02T03:04:05Z"),
    doc: { text: `hello ${id} #cats`, lang: "en", hashtags: ["cats"] },
    userId: "u1",
    userFollowers: 10,
    device: "web",
    contentHash: `hash-${id}`,
    media: [{
      position: 0,
      kind: "image",
      blobSha256: "a".repeat(64),
      mime: "image/png",
      width: 4,
      height: 3,
    }],
    labels: [{ tag: "cats", annotator: "source" }],
    ...overrides,
  };
}

dbTest("insertPosts() stores posts, media and labels, and a rerun only counts duplicates", async (db) => {
  const first = await insertPosts(db, [post("p1"), post("p2", { labels: [] })]);
  assert.deepEqual(first.inserted.sort(), ["p1", "p2"]);
  assert.deepEqual(first.duplicates, []);
  const again = await insertPosts(db, [post("p1"), post("p3")]);
  assert.deepEqual(again.inserted, ["p3"]);
  assert.deepEqual(again.duplicates, ["p1"]);
  const counts = await db.query<{ posts: number; media: number; labels: number }>(
    `select (select count(*)::int from posts) as posts, (select count(*)::int from media) as media,
            (select count(*)::int from labels) as labels`,
  );
  assert.deepEqual(counts[0], { posts: 3, media: 3, labels: 2 });
  const [row] = await db.query<{ doc: { hashtags: string[] }; created_at: Date }>(
    "select doc, created_at from posts where id = 'p1'",
  );
  assert.deepEqual(row.doc.hashtags, ["cats"]);
  assert.equal(row.created_at.toISOString(), "2026-01-02T03:04:05.000Z");
});

dbTest("insertLabels() keeps one label per post, tag and annotator", async (db) => {
  await insertPosts(db, [post("p1", { labels: [] })]);
  const n1 = await insertLabels(db, [
    { postId: "p1", tag: "dogs", annotator: "ann", source: "manual" },
    { postId: "p1", tag: "dogs", annotator: "bob", source: "manual", value: false },
  ]);
  const n2 = await insertLabels(db, [{ postId: "p1", tag: "dogs", annotator: "ann", source: "manual" }]);
  assert.equal(n1, 2);
  assert.equal(n2, 0);
});

dbTest("quarantine() records an item once and counts by reason", async (db) => {
  const item = { stage: "ingest" as const, source: "f.jsonl", item: "f.jsonl:7", reason: "invalid date" };
  await quarantine(db, [item, { ...item, item: "f.jsonl:9" }]);
  await quarantine(db, [item]);
  assert.deepEqual(await quarantineCounts(db, "ingest"), [{ stage: "ingest", reason: "invalid date", n: 2 }]);
});

dbTest("runs are started, finished and listed newest first", async (db) => {
  const a = await startRun(db, "ingest", { params: { source: "x" } });
  await finishRun(db, a, { status: "succeeded", summary: { stored: 3 } });
  const runs = await listRuns(db, { kind: "ingest" });
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, "succeeded");
  assert.deepEqual(runs[0].summary, { stored: 3 });
  assert.ok(runs[0].finished_at instanceof Date);
});

dbTest("labels_wide has a 0/1 column per tag and exports as CSV", async (db) => {
  await insertPosts(db, [
    post("p1", { labels: [{ tag: "cats", annotator: "a" }, { tag: "dogs", annotator: "b" }] }),
    post("p2", { labels: [{ tag: "dogs", annotator: "a" }] }),
  ]);
  const tags = await refreshLabelsWide(db);
  assert.deepEqual(tags, ["cats", "dogs"]);
  const rows = await db.query<{ post_id: string; cats: number; dogs: number }>(
    "select post_id, cats, dogs from labels_wide order by post_id",
  );
  assert.deepEqual(rows.map((r) => [r.post_id, r.cats, r.dogs]), [["p1", 1, 1], ["p2", 0, 1]]);
  const path = await Deno.makeTempFile({ suffix: ".csv" });
  assert.equal(await exportLabelsWideCsv(db, path), 2);
  const csv = (await Deno.readTextFile(path)).trim().split("\n");
  assert.equal(csv[0], "post_id,platform,source,created_at,split,cats,dogs");
  assert.match(csv[1], /^p1,mastodon,test,2026-01-02T03:04:05.000Z,,1,1$/);
  await Deno.remove(path);
});

dbTest(
  "readDataset() returns posts with media and labels, filtered by window, source and labels",
  async (db) => {
    const { readDataset } = await import("./dataset.ts");
    await insertPosts(db, [
      post("p1", { createdAt: new Date("2026-01-01T00:00:00Z") }),
      post("p2", { createdAt: new Date("2024-01-01T00:00:00Z"), labels: [] }),
      post("p3", { createdAt: undefined, source: "other", media: [] }),
    ]);
    const all = await readDataset(db);
    assert.deepEqual(all.map((p) => p.id), ["p3", "p2", "p1"]);
    const p1 = all.find((p) => p.id === "p1")!;
    assert.deepEqual(p1.tags, ["cats"]);
    assert.deepEqual(p1.media.map((m) => [m.kind, m.blob_sha256]), [["image", "a".repeat(64)]]);
    const recent = await readDataset(db, { since: new Date("2025-01-01T00:00:00Z") });
    assert.deepEqual(recent.map((p) => p.id), ["p3", "p1"]);
    assert.deepEqual((await readDataset(db, { labeled: true })).map((p) => p.id), ["p3", "p1"]);
    assert.deepEqual((await readDataset(db, { labeled: false })).map((p) => p.id), ["p2"]);
    assert.deepEqual((await readDataset(db, { source: "other" })).map((p) => p.id), ["p3"]);
  },
);

dbTest(
  'readDataset() counts a post whose every label is false ("none of these") as labeled with no tag',
  async (db) => {
    const { readDataset } = await import("./dataset.ts");
    await insertPosts(db, [post("p1"), post("p2", { labels: [] }), post("p3", { labels: [] })]);
    await insertLabels(db, [
      { postId: "p2", tag: "cats", annotator: "ann", source: "label-page:random", value: false },
      { postId: "p2", tag: "dogs", annotator: "ann", source: "label-page:random", value: false },
    ]);
    const labeled = await readDataset(db, { labeled: true });
    assert.deepEqual(labeled.map((p) => [p.id, p.tags]), [["p1", ["cats"]], ["p2", []]]);
    assert.deepEqual((await readDataset(db, { labeled: false })).map((p) => p.id), ["p3"]);
  },
);
