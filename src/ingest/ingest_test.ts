import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { dbTest } from "../../tests/support/db.ts";
import { createAnonymizer, type Db, FileBlobStore, type Store } from "@/store/mod.ts";
import { readCsvPosts } from "./csv.ts";
import { ingest } from "./ingest.ts";
import { readJsonlPosts } from "./jsonl.ts";
import { importLabels } from "./labels_file.ts";

async function fixture() {
  const dir = await Deno.makeTempDir({ prefix: "ingest-test-" });
  await Deno.mkdir(join(dir, "media"));
  await sharp({ create: { width: 40, height: 30, channels: 3, background: "#3366cc" } }).jpeg()
    .toFile(join(dir, "media", "a.jpg"));
  const ffmpeg = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=64x48:rate=10:duration=1.5",
      "-pix_fmt",
      "yuv420p",
      join(dir, "media", "v.mp4"),
    ],
  }).output();
  assert.ok(ffmpeg.success, "ffmpeg must be installed for this test");
  const lines = [
    {
      id: "1",
      platform: "mastodon",
      created_at: "2026-05-01T10:00:00Z",
      text: "Sunny #Beach day with @ana https://x.org/a",
      media: [{ kind: "image", path: "media/a.jpg" }],
      user: { id: "u1", followers: 10 },
      device: "ios",
      labels: ["beach", "travel"],
    },
    {
      id: "2",
      platform: "mastodon",
      created_at: "2026-05-02T10:00:00Z",
      text: "a clip",
      media: ["media/v.mp4"],
    },
    { id: "3", platform: "mastodon", created_at: "not a date", text: "bad date" },
    { platform: "mastodon", created_at: "2026-05-02T10:00:00Z", text: "no id" },
    {
      id: "5",
      platform: "mastodon",
      created_at: "2026-05-03T10:00:00Z",
      text: "lost media",
      media: ["media/gone.jpg"],
    },
    { id: "1", platform: "mastodon", created_at: "2026-05-01T10:00:00Z", text: "same post again" },
    { id: "7", platform: "mastodon", created_at: "2020-01-01T00:00:00Z", text: "too old" },
  ];
  const jsonl = join(dir, "posts.jsonl");
  await Deno.writeTextFile(jsonl, lines.map((l) => JSON.stringify(l)).join("\n") + "\n{not json\n");
  return { dir, jsonl };
}

function storeFor(db: Db, dir: string): Store {
  return {
    db,
    blobs: new FileBlobStore(join(dir, "blobs")),
    anon: createAnonymizer("k".repeat(40)),
    close: () => db.close(),
  };
}

dbTest("ingest() stores posts with media, quarantines bad rows, and its summary adds up", async (db) => {
  const { dir, jsonl } = await fixture();
  const store = storeFor(db, dir);
  const s = await ingest(store, readJsonlPosts(jsonl), {
    source: "jsonl:test",
    since: new Date("2025-01-01"),
  });
  assert.equal(s.read, 8);
  assert.equal(s.stored, 3);
  assert.equal(s.duplicates, 1);
  assert.equal(s.quarantined, 3); // bad date, missing id, malformed JSON
  assert.equal(s.outsideWindow, 1);
  assert.equal(s.read, s.stored + s.duplicates + s.quarantined + s.outsideWindow);
  assert.equal(s.mediaFailed, 1);
  const media = await db.query<
    { kind: string; mime: string; width: number; duration_s: number | null; error: string | null }
  >(
    "select kind, mime, width, duration_s, error from media order by kind, error nulls first",
  );
  assert.deepEqual(media.map((m) => [m.kind, m.mime, m.width]), [["image", "image/jpeg", 40], [
    "image",
    null,
    null,
  ], ["video", "video/mp4", 64]]);
  assert.ok(Math.abs(media[2].duration_s! - 1.5) < 0.2);
  assert.match(media[1].error!, /media file not found/);
  const q = await db.query<{ item: string; reason: string }>(
    "select item, reason from quarantine order by item",
  );
  assert.ok(
    q.some((r) => r.item.endsWith("posts.jsonl:3") && /invalid created_at "not a date"/.test(r.reason)),
  );
  assert.ok(q.some((r) => r.item.endsWith("posts.jsonl:4") && r.reason === "missing id"));
  assert.ok(q.some((r) => r.item.endsWith("posts.jsonl:8") && /malformed JSON/.test(r.reason)));
  const [post] = await db.query<
    { id: string; doc: { hashtags: string[]; mentions: string[]; urls: string[] }; user_id: string }
  >(
    "select id, doc, user_id from posts where device = 'ios'",
  );
  assert.equal(post.id, store.anon.post("mastodon", "1"));
  assert.notEqual(post.user_id, "u1");
  assert.deepEqual(post.doc.hashtags, ["beach"]);
  assert.deepEqual(post.doc.mentions, ["@user"]);
  assert.deepEqual(post.doc.urls, ["https://x.org/a"]);
  const labels = await db.query<{ n: number }>("select count(*)::int as n from labels");
  assert.equal(labels[0].n, 2);

  const again = await ingest(store, readJsonlPosts(jsonl), {
    source: "jsonl:test",
    since: new Date("2025-01-01"),
  });
  assert.equal(again.stored, 0);
  assert.equal(again.duplicates, 4);
  const counts = await db.query<{ posts: number; q: number }>(
    "select (select count(*)::int from posts) as posts, (select count(*)::int from quarantine) as q",
  );
  assert.deepEqual(counts[0], { posts: 3, q: 4 });
  await Deno.remove(dir, { recursive: true });
});

dbTest("CSV import reads quoted fields and refuses unknown columns", async (db) => {
  const dir = await Deno.makeTempDir();
  const good = join(dir, "posts.csv");
  await Deno.writeTextFile(
    good,
    "id,platform,created_at,text,labels,user_followers\n" +
      '10,bluesky,2026-01-01T00:00:00Z,"Hello, ""world""\nsecond line","food;travel",12\n' +
      "11,bluesky,2026-01-02T00:00:00Z,short,,many\n" +
      "12,bluesky\n",
  );
  const s = await ingest(storeFor(db, dir), readCsvPosts(good), { source: "csv:test" });
  assert.deepEqual([s.read, s.stored, s.quarantined], [3, 1, 2]);
  const [row] = await db.query<{ doc: { text: string }; user_followers: number }>(
    "select doc, user_followers from posts",
  );
  assert.equal(row.doc.text, 'Hello, "world"\nsecond line');
  assert.equal(row.user_followers, 12);
  const reasons = (await db.query<{ reason: string }>("select reason from quarantine order by item")).map((
    r,
  ) => r.reason);
  assert.deepEqual(reasons, ['invalid user.followers "many"', "malformed row: 2 fields, the header has 6"]);
  const bad = join(dir, "bad.csv");
  await Deno.writeTextFile(bad, "id,created_at,txet\n1,2026-01-01,x\n");
  await assert.rejects(
    () => ingest(storeFor(db, dir), readCsvPosts(bad), { source: "csv:bad" }),
    /unknown column\(s\) "txet"/,
  );
  await Deno.remove(dir, { recursive: true });
});

dbTest("importLabels() adds labels to stored posts and quarantines labels for unknown posts", async (db) => {
  const dir = await Deno.makeTempDir();
  const store = storeFor(db, dir);
  const posts = join(dir, "p.jsonl");
  await Deno.writeTextFile(
    posts,
    JSON.stringify({ id: "1", platform: "x", created_at: "2026-01-01" }) + "\n",
  );
  await ingest(store, readJsonlPosts(posts), { source: "t" });
  const labels = join(dir, "labels.csv");
  await Deno.writeTextFile(
    labels,
    "platform,id,tag,annotator\nx,1,cats,ann\nx,1,cats,ann\nx,2,dogs,ann\nx,1,,ann\n",
  );
  const s = await importLabels(store, labels);
  assert.deepEqual(s, { read: 4, stored: 1, duplicates: 1, quarantined: 2 });
  await Deno.remove(dir, { recursive: true });
});
