import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { createAnonymizer, FileBlobStore, type Store } from "@/store/mod.ts";
import { dbTest } from "../../tests/support/db.ts";
import { fileCursorStore } from "./connector.ts";
import { openConnector } from "./connector_source.ts";
import { ingest } from "./ingest.ts";
import type { SourceItem } from "./source_item.ts";
import { fakeClock, json, startReplay } from "../../tests/fixtures/replay_server.ts";

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
}

/** A fetch that answers from a route table and records each request. */
function routes(table: Record<string, unknown>, seen: Seen[]): typeof fetch {
  return (input, init) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    seen.push({ method: init?.method ?? "GET", url, authorization: headers.get("authorization") });
    const path = new URL(url).pathname;
    return Promise.resolve(
      path in table ? new Response(JSON.stringify(table[path])) : new Response("{}", { status: 404 }),
    );
  };
}

async function collect(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const SINCE = new Date("2025-01-01T00:00:00Z");

Deno.test("openConnector() leaves other sources to the file importers", () => {
  assert.equal(openConnector("sample"), undefined);
  assert.equal(openConnector("jsonl:posts.jsonl"), undefined);
  assert.throws(() => openConnector("mastodon:nowhere"), TypeError);
});

Deno.test("openConnector() turns Mastodon statuses and skips into source items placed by ordinal", async () => {
  const seen: Seen[] = [];
  const fetch = routes({
    "/api/v1/timelines/tag/cats": [
      { id: "12", created_at: "2026-05-01T00:00:00Z", content: "<p>cat</p>", account: { id: "7" } },
      { event: "delete", payload: "11" },
    ],
  }, seen);
  const opened = openConnector("mastodon:m.example#cats", {
    fetch,
    since: SINCE,
    mastodonToken: "tok",
    ...fakeClock(),
  });
  assert.equal(opened?.name, "mastodon:m.example#cats");
  const items = await collect(opened!.items);
  assert.equal(items.length, 2);
  assert.equal(items[0].kind, "post");
  assert.equal(items[0].where, "mastodon:m.example#cats item 1");
  assert.equal(items[0].kind === "post" && items[0].post.text, "cat");
  assert.deepEqual(items[1], {
    kind: "skip",
    where: "mastodon:m.example#cats item 2",
    reason: "deleted",
    nativeId: "11",
  });
  assert.deepEqual(seen[0], {
    method: "GET",
    url: "https://m.example/api/v1/timelines/tag/cats?limit=40",
    authorization: "Bearer tok",
  });
});

Deno.test("openConnector() logs in to Bluesky before searching", async () => {
  const seen: Seen[] = [];
  const fetch = routes({
    "/xrpc/com.atproto.server.createSession": {
      accessJwt: "jwt",
      refreshJwt: "r",
      did: "did:plc:me",
      handle: "me.test",
    },
    "/xrpc/app.bsky.feed.searchPosts": {
      posts: [{
        uri: "at://did:plc:a/app.bsky.feed.post/1",
        author: { did: "did:plc:a" },
        record: { text: "hi", createdAt: "2026-05-01T00:00:00Z" },
      }],
    },
  }, seen);
  const opened = openConnector("bluesky:cats", {
    fetch,
    since: SINCE,
    blueskyLogin: { identifier: "me.test", appPassword: "pw" },
    ...fakeClock(),
  });
  const items = await collect(opened!.items);
  assert.deepEqual(items.map((i) => [i.kind, i.where]), [["post", "bluesky:cats item 1"]]);
  assert.deepEqual(
    seen.map((s) => [s.method, new URL(s.url).host + new URL(s.url).pathname, s.authorization]),
    [
      ["POST", "bsky.social/xrpc/com.atproto.server.createSession", null],
      ["GET", "bsky.social/xrpc/app.bsky.feed.searchPosts", "Bearer jwt"],
    ],
  );
});

dbTest(
  "openConnector() feeds ingest(): media stored and probed, a failed one recorded, skips quarantined",
  async (db) => {
    const dir = await Deno.makeTempDir({ prefix: "connector-ingest-" });
    try {
      const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#cc6633" } })
        .jpeg()
        .toBuffer();
      const encoded = await new Deno.Command("ffmpeg", {
        args: [
          "-v",
          "error",
          "-f",
          "lavfi",
          "-i",
          "testsrc2=size=64x48:rate=10:duration=1",
          "-pix_fmt",
          "yuv420p",
        ]
          .concat([join(dir, "v.mp4")]),
      }).output();
      assert.ok(encoded.success, "ffmpeg must be installed for this test");
      const mp4 = await Deno.readFile(join(dir, "v.mp4"));
      const status = (id: string, media: { type: string; url: string }[]) => ({
        id,
        created_at: `2026-05-0${id.at(-1)}T10:00:00.000Z`,
        content: `<p>post ${id} <a href="#" class="mention hashtag">#<span>Cats</span></a></p>`,
        language: "en",
        account: { id: "77", followers_count: 5 },
        application: { name: "Web" },
        media_attachments: media.map((m) => ({ ...m, description: "alt" })),
      });
      await using replay = await startReplay((url, base) => {
        if (url.pathname === "/media/a.jpg") {
          return new Response(jpeg, { headers: { "content-type": "image/jpeg" } });
        }
        if (url.pathname === "/media/v.mp4") {
          return new Response(mp4, { headers: { "content-type": "video/mp4" } });
        }
        if (url.pathname !== "/api/v1/timelines/tag/cats") return new Response("", { status: 404 });
        if (url.searchParams.has("max_id") || url.searchParams.has("since_id")) return json([]);
        return json([
          status("3", [{ type: "image", url: `${base}/media/a.jpg` }]),
          status("2", [{ type: "gifv", url: `${base}/media/v.mp4` }]),
          { event: "delete", payload: "1" },
          status("1", [{ type: "image", url: `${base}/media/gone.jpg` }]),
        ], { link: `<${base}${url.pathname}?max_id=1>; rel="next"` });
      });
      const store: Store = {
        db,
        blobs: new FileBlobStore(join(dir, "blobs")),
        anon: createAnonymizer("k".repeat(40)),
        close: () => db.close(),
      };
      const cursorStore = fileCursorStore(join(dir, "cursors.json"));
      const spec = `mastodon:${replay.base}#cats`;
      const run = () => {
        const opened = openConnector(spec, { since: SINCE, cursorStore, ...fakeClock() })!;
        return ingest(store, opened.items, { source: opened.name, since: SINCE });
      };

      const s = await run();
      assert.deepEqual([s.read, s.stored, s.quarantined, s.duplicates, s.mediaFailed], [4, 3, 1, 0, 1]);
      const media = await db.query<
        { kind: string; mime: string | null; width: number | null; error: string | null }
      >(
        "select kind, mime, width, error from media order by kind, error nulls first",
      );
      assert.deepEqual(media.map((m) => [m.kind, m.mime, m.width]), [
        ["image", "image/jpeg", 40],
        ["image", null, null],
        ["video", "video/mp4", 64],
      ]);
      assert.match(media[1].error ?? "", /^media not downloaded: /);
      const [post] = await db.query<{ device: string; doc: { text: string; hashtags: string[] } }>(
        "select device, doc from posts where id = $1",
        [store.anon.post("mastodon", "3")],
      );
      assert.equal(post.device, "Web");
      assert.deepEqual(post.doc.hashtags, ["cats"]);
      const q = await db.query<{ item: string; reason: string }>("select item, reason from quarantine");
      assert.ok(q.some((r) => r.item === `${spec} item 3` && r.reason === "deleted"));

      // The next run asks only for newer statuses and stores nothing twice.
      const again = await run();
      assert.deepEqual([again.read, again.stored], [0, 0]);
      assert.match(replay.requests.at(-1) ?? "", /since_id=3$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
