/**
 * Hostile rows: real data sets' tag names, poison values and media paths that point outside the import
 * folder. Each bad row is set aside on its own; the good rows around it are stored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { dbTest } from "../../tests/support/db.ts";
import { createAnonymizer, type Db, FileBlobStore, type Store } from "@/store/mod.ts";
import { ingest } from "./ingest.ts";
import { readJsonlPosts } from "./jsonl.ts";
import { readCsvPosts } from "./csv.ts";

function storeFor(db: Db, dir: string): Store {
  return {
    db,
    blobs: new FileBlobStore(join(dir, "blobs")),
    anon: createAnonymizer("k".repeat(40)),
    close: () => db.close(),
  };
}

const good = (i: number) => ({
  id: `good-${i}`,
  platform: "x",
  created_at: "2026-05-01T10:00:00Z",
  text: `fine post ${i}`,
});

/** Ten good rows with `bad` spread between them, as JSONL lines. */
function among(bad: string[]): string {
  const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify(good(i)));
  bad.forEach((line, i) => lines.splice(1 + i * 2, 0, line));
  return lines.join("\n") + "\n";
}

async function quarantined(db: Db): Promise<{ item: string; reason: string }[]> {
  return await db.query("select item, reason from quarantine order by id");
}

dbTest(
  "ingest() keeps real tag names as given and sets aside only the rows whose label cannot be a tag",
  async (db) => {
    const dir = await Deno.makeTempDir({ prefix: "hostile-tags-" });
    const row = (id: string, labels: unknown) =>
      JSON.stringify({ id, platform: "x", created_at: "2026-05-01T10:00:00Z", text: id, labels });
    const path = join(dir, "posts.jsonl");
    await Deno.writeTextFile(
      path,
      among([
        row("t1", ["film_tv_&_video", "arts_&_culture"]),
        row("t2", ["日本語", "  spaced out  ", "Ελληνικά"]),
        row("t3", ["<img src=x onerror=alert(1)>"]),
        row("t4", "news/politics|science"),
        row("bad-control", ["ok", "bell\u0007"]),
        row("bad-long", ["x".repeat(65)]),
        row("bad-dots", [".."]),
      ]),
    );
    const s = await ingest(storeFor(db, dir), readJsonlPosts(path), { source: "jsonl:tags" });
    assert.deepEqual([s.read, s.stored, s.quarantined], [17, 14, 3]);
    assert.equal(s.read, s.stored + s.duplicates + s.quarantined + s.outsideWindow);
    const tags = (await db.query<{ name: string }>("select name from tags order by name")).map((t) => t.name);
    assert.deepEqual(
      tags,
      [
        "<img src=x onerror=alert(1)>",
        "arts_&_culture",
        "film_tv_&_video",
        "news/politics",
        "science",
        "spaced out",
        "Ελληνικά",
        "日本語",
      ].sort(),
    );
    const q = await quarantined(db);
    assert.equal(q.length, 3);
    assert.match(q[0].reason, /invalid label .*control character/);
    assert.match(q[1].reason, /invalid label .*longer than 64/);
    assert.match(q[2].reason, /invalid label "\.\."/);
    await Deno.remove(dir, { recursive: true });
  },
);

dbTest("ingest() sets aside poison values row by row and keeps ids above 2^53 as given", async (db) => {
  const dir = await Deno.makeTempDir({ prefix: "hostile-values-" });
  const path = join(dir, "posts.jsonl");
  const base = { platform: "x", created_at: "2026-05-01T10:00:00Z" };
  await Deno.writeTextFile(
    path,
    among([
      JSON.stringify({ ...base, id: "nul", text: "before\u0000after" }),
      JSON.stringify({ ...base, id: "surrogate", text: "lone \ud800 half", device: "\udfff" }),
      JSON.stringify({ ...base, id: "followers", text: "x", user: { id: "u", followers: 1.5 } }),
      JSON.stringify({ ...base, id: "year0", created_at: "0000-01-01T00:00:00Z", text: "x" }),
      // Written by hand: JSON.stringify would round them first.
      `{"id":109876543210987654,"platform":"x","created_at":"2026-05-01T10:00:00Z","text":"big a"}`,
      `{"id":109876543210987655,"platform":"x","created_at":"2026-05-01T10:00:00Z","text":"big b"}`,
      JSON.stringify({ ...base, id: "extra-nul", text: "x", extra: { note: "a\u0000b", n: [1, "\ud83d"] } }),
    ]),
  );
  const store = storeFor(db, dir);
  const s = await ingest(store, readJsonlPosts(path), { source: "jsonl:values" });
  assert.deepEqual([s.read, s.stored, s.duplicates, s.quarantined], [17, 15, 0, 2]);
  const text = async (id: string) =>
    (await db.query<{ doc: { text: string }; device: string | null; extra: Record<string, unknown> }>(
      "select doc, device, extra from posts where id = $1",
      [store.anon.post("x", id)],
    ))[0];
  assert.equal((await text("nul")).doc.text, "beforeafter");
  assert.equal((await text("surrogate")).doc.text, "lone \ufffd half");
  assert.equal((await text("surrogate")).device, "\ufffd");
  assert.deepEqual((await text("extra-nul")).extra, { note: "ab", n: [1, "\ufffd"] });
  assert.equal((await text("109876543210987654")).doc.text, "big a");
  assert.equal((await text("109876543210987655")).doc.text, "big b");
  const q = await quarantined(db);
  assert.match(q[0].reason, /invalid user\.followers "1\.5": expected a whole number/);
  assert.match(q[1].reason, /invalid created_at "0000-01-01T00:00:00Z": outside 1970/);
  await Deno.remove(dir, { recursive: true });
});

dbTest("a row the database refuses is set aside alone; the rest of its batch is stored", async (db) => {
  const dir = await Deno.makeTempDir({ prefix: "hostile-db-" });
  const store = storeFor(db, dir);
  const post = (id: string, followers?: number) => ({
    kind: "post" as const,
    where: `test:${id}`,
    post: {
      platform: "x",
      nativeId: id,
      createdAt: new Date("2026-05-01T10:00:00Z"),
      text: id,
      media: [],
      user: { id: "u", followers },
    },
  });
  // A connector's numbers do not go through the file readers: 2^40 followers overflows the column.
  const items = (async function* () {
    yield post("a");
    yield post("b", 2 ** 40);
    yield post("c");
  })();
  const s = await ingest(store, items, { source: "test" });
  assert.deepEqual([s.read, s.stored, s.quarantined], [3, 2, 1]);
  const [q] = await quarantined(db);
  assert.equal(q.item, "test:b");
  assert.match(q.reason, /cannot store post: .*out of range/);
  await Deno.remove(dir, { recursive: true });
});

dbTest("CSV rows with poison values are set aside alone", async (db) => {
  const dir = await Deno.makeTempDir({ prefix: "hostile-csv-" });
  const path = join(dir, "posts.csv");
  await Deno.writeTextFile(
    path,
    "id,platform,created_at,text,user_followers,labels\n" +
      "1,x,2026-01-01T00:00:00Z,ok,3,arts_&_culture\n" +
      "2,x,2026-01-01T00:00:00Z,ok,-4,\n" +
      "3,x,0000-01-01,ok,,\n" +
      "4,x,2026-01-01T00:00:00Z,\u0000nul,,film_tv_&_video\n",
  );
  const s = await ingest(storeFor(db, dir), readCsvPosts(path), { source: "csv:values" });
  assert.deepEqual([s.read, s.stored, s.quarantined], [4, 2, 2]);
  await Deno.remove(dir, { recursive: true });
});

/** Every blob's bytes, to look for content that must not be there. */
async function blobContents(root: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else out.push(await Deno.readFile(path));
    }
  };
  await walk(root).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  return out;
}

const contains = (hay: Uint8Array, needle: Uint8Array) => {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

dbTest(
  "ingest() copies no file from outside the import folder, and nothing that is not a regular file",
  async (db) => {
    const outside = await Deno.makeTempDir({ prefix: "hostile-outside-" });
    const secret = new TextEncoder().encode(`secret ${crypto.randomUUID()}`);
    await Deno.writeFile(join(outside, "secret.jpg"), secret);
    const dir = await Deno.makeTempDir({ prefix: "hostile-media-" });
    await Deno.mkdir(join(dir, "media"));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } }).jpeg()
      .toFile(join(dir, "media", "inside.jpg"));
    await Deno.symlink(join(outside, "secret.jpg"), join(dir, "media", "link-out.jpg"));
    await Deno.symlink(join(dir, "media", "inside.jpg"), join(dir, "media", "link-in.jpg"));
    await Deno.symlink(outside, join(dir, "media", "dir-out"));
    const fifo = await new Deno.Command("mkfifo", { args: [join(dir, "media", "pipe.mp4")] }).output();
    assert.ok(fifo.success);
    await Deno.writeFile(join(dir, "media", "big.mp4"), new Uint8Array(4096));
    const depth = "../".repeat(dir.split("/").length + 2);
    const rows = [
      ["dots", `${depth}${outside.slice(1)}/secret.jpg`],
      ["absolute", join(outside, "secret.jpg")],
      ["etc", "/etc/passwd"],
      ["link-out", "media/link-out.jpg"],
      ["dir-out", "media/dir-out/secret.jpg"],
      ["fifo", "media/pipe.mp4"],
      ["folder", "media"],
      ["big", "media/big.mp4"],
      ["inside", "media/inside.jpg"],
      ["link-in", "media/link-in.jpg"],
    ].map(([id, path]) =>
      JSON.stringify({
        id,
        platform: "x",
        created_at: "2026-05-01T10:00:00Z",
        text: id,
        media: [{ kind: path.endsWith(".mp4") ? "video" : "image", path }],
      })
    );
    const path = join(dir, "posts.jsonl");
    await Deno.writeTextFile(path, rows.join("\n") + "\n");
    const store = storeFor(db, dir);
    const s = await ingest(store, readJsonlPosts(path), { source: "jsonl:media", maxMediaBytes: 1024 });
    // Every post is kept; its media entry says why the file was not taken.
    assert.deepEqual([s.read, s.stored, s.quarantined, s.mediaFailed], [10, 10, 0, 8]);
    const errors = await db.query<{ text: string; error: string | null }>(
      "select p.doc->>'text' as text, m.error from posts p join media m on m.post_id = p.id order by 1",
    );
    const byId = Object.fromEntries(errors.map((e) => [e.text, e.error ?? ""]));
    for (const id of ["dots", "absolute", "etc", "link-out", "dir-out"]) {
      assert.match(byId[id], /outside the import folder/, id);
    }
    assert.match(byId.fifo, /not a regular file/);
    assert.match(byId.folder, /not a regular file/);
    assert.match(byId.big, /4096 bytes, more than the cap of 1024/);
    assert.equal(byId.inside, "");
    assert.equal(byId["link-in"], "");
    for (const blob of await blobContents(join(dir, "blobs"))) {
      assert.ok(!contains(blob, secret), "a file from outside the import folder is in the blob store");
      assert.ok(!contains(blob, new TextEncoder().encode("root:x:0:0")), "/etc/passwd is in the blob store");
    }
    assert.equal((await blobContents(join(dir, "blobs"))).length, 1); // inside.jpg, once for both posts

    // An explicit media root lets a folder outside in, and still refuses devices.
    const s2 = await ingest(
      store,
      readJsonlPosts(path, { mediaRoot: outside }),
      { source: "jsonl:media-root" },
    );
    assert.equal(s2.duplicates, 10);
    const other = join(dir, "other.jsonl");
    await Deno.writeTextFile(
      other,
      [["from-root", join(outside, "secret.jpg")], ["device", "/dev/zero"]].map(([id, p]) =>
        JSON.stringify({
          id,
          platform: "x",
          created_at: "2026-05-01T10:00:00Z",
          media: [{ kind: "video", path: p }],
        })
      ).join("\n"),
    );
    const s3 = await ingest(store, readJsonlPosts(other, { mediaRoot: "/" }), { source: "jsonl:root" });
    assert.equal(s3.stored, 2);
    const media = async (id: string) =>
      (await db.query<{ error: string; blob_sha256: string | null }>(
        "select error, blob_sha256 from media where post_id = $1",
        [store.anon.post("x", id)],
      ))[0];
    assert.match((await media("device")).error, /not a regular file/);
    assert.ok((await media("from-root")).blob_sha256, "the file under the media root is stored");
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  },
);
