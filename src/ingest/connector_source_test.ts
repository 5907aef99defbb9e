import assert from "node:assert/strict";
import { openConnector } from "./connector_source.ts";
import type { SourceItem } from "./source_item.ts";
import { fakeClock } from "../../tests/fixtures/replay_server.ts";

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
