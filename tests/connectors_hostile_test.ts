/**
 * The connectors against malicious servers. Three local servers: the platform (Mastodon instance or
 * Bluesky service, the one host the user named), a media CDN (allowed by setting, as a public CDN
 * would be), and an internal service on loopback that must never be reached. The platform serves posts
 * whose media point at the internal service (directly, by a name that resolves to loopback, over IPv6, by
 * redirect), at file: and link-local URLs, and at huge bodies. Each server records which requests
 * carried the token.
 */
import assert from "node:assert/strict";
import {
  blueskyPosts,
  type ConnectorItem,
  isSkippedItem,
  mastodonPosts,
  type RawPost,
} from "@/ingest/mod.ts";
import { fakeClock, json, type Replay, startReplay } from "./fixtures/replay_server.ts";

const TOKEN = "s3cret-token";
const HUGE = 3 * 1024 * 1024;
const CAP = 1024 * 1024;

interface World {
  platform: Replay;
  cdn: Replay;
  internal: Replay;
  /** The CDN as the connector is allowed to reach it. */
  cdnBase: string;
  /** Hostile media URLs, by name. */
  hostile: Record<string, string>;
}

async function world(platformHandler: (w: World) => Parameters<typeof startReplay>[0]): Promise<World> {
  const internal = await startReplay(() => new Response("internal secret"));
  const cdn = await startReplay((url) => {
    if (url.pathname === "/ok.jpg") {
      return new Response("jpeg bytes", { headers: { "content-type": "image/jpeg" } });
    }
    if (url.pathname === "/to-internal") {
      return new Response(null, { status: 302, headers: { location: `${internal.base}/secret` } });
    }
    if (url.pathname === "/to-file") {
      return new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } });
    }
    if (url.pathname === "/huge") {
      // No Content-Length: the cap must hold while streaming.
      let sent = 0;
      return new Response(
        new ReadableStream({
          pull(c) {
            if (sent >= HUGE) return c.close();
            sent += 64 * 1024;
            c.enqueue(new Uint8Array(64 * 1024));
          },
        }),
      );
    }
    if (url.pathname === "/huge-declared") {
      return new Response(new Uint8Array(HUGE), { headers: { "content-length": String(HUGE) } });
    }
    if (url.pathname.startsWith("/api/")) return json([]);
    return new Response("not found", { status: 404 });
  });
  const internalPort = new URL(internal.base).port;
  const w: World = {
    platform: undefined as unknown as Replay,
    cdn,
    internal,
    cdnBase: cdn.base.replace("127.0.0.1", "localhost"),
    hostile: {
      direct: `${internal.base}/secret.jpg`,
      byName: `http://localhost:${internalPort}/secret.jpg`,
      ipv6: `http://[::1]:${internalPort}/secret.jpg`,
      mapped: `http://[::ffff:127.0.0.1]:${internalPort}/secret.jpg`,
      linkLocal: "http://169.254.169.254/latest/meta-data/iam",
      file: "file:///etc/passwd",
      redirect: "", // filled below: the CDN redirecting to the internal service
      redirectFile: "",
      huge: "",
      hugeDeclared: "",
    },
  };
  w.hostile.redirect = `${w.cdnBase}/to-internal`;
  w.hostile.redirectFile = `${w.cdnBase}/to-file`;
  w.hostile.huge = `${w.cdnBase}/huge`;
  w.hostile.hugeDeclared = `${w.cdnBase}/huge-declared`;
  w.platform = await startReplay(platformHandler(w));
  return w;
}

async function close(w: World): Promise<void> {
  for (const r of [w.platform, w.cdn, w.internal]) await r[Symbol.asyncDispose]();
}

async function collect(items: AsyncIterable<ConnectorItem>): Promise<RawPost[]> {
  const out: RawPost[] = [];
  for await (const item of items) if (!isSkippedItem(item)) out.push(item);
  return out;
}

/** Mastodon statuses, one per media URL. */
function statuses(urls: Record<string, string>, extra: Record<string, string> = {}) {
  return Object.entries({ ...urls, ...extra }).map(([name, url], i) => ({
    id: String(1000 - i),
    created_at: "2026-11-20T07:00:00.000Z",
    content: `<p>${name}</p>`,
    account: { id: "42" },
    media_attachments: [{ type: name === "video" ? "video" : "image", url }],
  }));
}

const mediaError = (post: RawPost) =>
  (post.extra?.mediaErrors as { error: string }[] | undefined)?.[0]?.error ?? "";

Deno.test({
  name: "the Mastodon connector sends its token to the instance only and fetches no hostile media URL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const w = await world((w) => (url, base) => {
      if (url.pathname === "/media/redirect-out") {
        return new Response(null, { status: 302, headers: { location: `${w.cdnBase}/ok.jpg` } });
      }
      if (url.pathname === "/media/own.jpg") {
        return new Response("own bytes", { headers: { "content-type": "image/jpeg" } });
      }
      if (!url.pathname.startsWith("/api/v1/timelines/tag/")) return new Response("no", { status: 404 });
      if (url.searchParams.get("max_id")) return json([]);
      const list = statuses({
        cdn: `${w.cdnBase}/ok.jpg`,
        own: `${base}/media/own.jpg`,
        ownRedirect: `${base}/media/redirect-out`,
        ...w.hostile,
      });
      // The next page lives on another host: it must be fetched without the token.
      return json(list, { link: `<${w.cdnBase}/api/v1/timelines/tag/cats?max_id=1>; rel="next"` });
    });
    try {
      const posts = await collect(mastodonPosts({ instance: w.platform.base, hashtag: "cats" }, {
        accessToken: TOKEN,
        allowPrivateHosts: [new URL(w.cdnBase).host],
        maxBodyBytes: CAP,
        since: new Date("2026-01-01"),
        ...fakeClock(),
        maxAttempts: 1,
      }));
      const byName = Object.fromEntries(posts.map((p) => [p.text, p]));
      assert.equal(posts.length, 3 + Object.keys(w.hostile).length, "every post is kept");
      for (const name of ["cdn", "own", "ownRedirect"]) {
        assert.ok(byName[name].media[0].bytes, `${name}: ${mediaError(byName[name])}`);
      }
      const reasons: Record<string, RegExp> = {
        direct: /loopback/,
        byName: /loopback/,
        ipv6: /loopback/,
        mapped: /loopback/,
        linkLocal: /link-local/,
        file: /scheme "file:"/,
        redirect: /loopback/,
        redirectFile: /scheme "file:"/,
        huge: /more than 1048576 bytes/,
        hugeDeclared: /more than 1048576 bytes/,
      };
      for (const [name, reason] of Object.entries(reasons)) {
        assert.equal(byName[name].media[0].bytes, undefined, name);
        assert.match(mediaError(byName[name]), reason, name);
      }
      assert.deepEqual(w.internal.requests, [], "the internal service was reached");
      assert.ok(
        w.cdn.requests.some((r) => r.startsWith("/api/v1/timelines/tag/cats")),
        "the next page was read",
      );
      assert.ok(w.cdn.authorizations.every((a) => a === ""), "the token went to the CDN");
      const apiAuth = w.platform.requests.map((r, i) => [r, w.platform.authorizations[i]]);
      assert.ok(apiAuth.every(([r, a]) => !r.startsWith("/api/") || a === `Bearer ${TOKEN}`));
      assert.ok(
        apiAuth.some(([r, a]) => r.startsWith("/media/") && a === `Bearer ${TOKEN}`),
        "own media may carry it",
      );
    } finally {
      await close(w);
    }
  },
});

Deno.test({
  name: "the Bluesky connector sends its session token to the service only and fetches no hostile media URL",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const w = await world((w) => (url) => {
      if (url.pathname === "/xrpc/app.bsky.feed.searchPosts") {
        const posts = Object.entries({ cdn: `${w.cdnBase}/ok.jpg`, ...w.hostile }).map(([name, u], i) => ({
          uri: `at://did:plc:abc/app.bsky.feed.post/${i}`,
          record: { text: name, createdAt: "2026-11-20T07:00:00.000Z" },
          author: { did: "did:plc:abc" },
          indexedAt: "2026-11-20T07:00:00.000Z",
          embed: { $type: "app.bsky.embed.images#view", images: [{ fullsize: u }] },
        }));
        posts.push({
          uri: "at://did:plc:abc/app.bsky.feed.post/video",
          record: { text: "hlsInternal", createdAt: "2026-11-20T07:00:00.000Z" },
          author: { did: "did:plc:abc" },
          indexedAt: "2026-11-20T07:00:00.000Z",
          embed: {
            $type: "app.bsky.embed.video#view",
            playlist: `${w.platform.base}/hls/playlist.m3u8`,
          } as never,
        });
        return json({ posts });
      }
      if (url.pathname === "/hls/playlist.m3u8") {
        return new Response(`#EXTM3U\n#EXTINF:1,\n${w.internal.base}/segment.ts\n#EXT-X-ENDLIST\n`);
      }
      return new Response("no", { status: 404 });
    });
    try {
      const posts = await collect(blueskyPosts({ query: "cats" }, {
        service: w.platform.base,
        accessJwt: TOKEN,
        allowPrivateHosts: [new URL(w.cdnBase).host],
        maxBodyBytes: CAP,
        since: new Date("2026-01-01"),
        ...fakeClock(),
        maxAttempts: 1,
      }));
      const byName = Object.fromEntries(posts.map((p) => [p.text, p]));
      assert.ok(byName.cdn.media[0].bytes, mediaError(byName.cdn));
      for (const name of [...Object.keys(w.hostile), "hlsInternal"]) {
        assert.equal(byName[name].media[0].bytes, undefined, name);
        assert.notEqual(mediaError(byName[name]), "", name);
      }
      assert.match(mediaError(byName.hlsInternal), /loopback/);
      assert.deepEqual(w.internal.requests, [], "the internal service was reached");
      assert.ok(w.cdn.requests.length > 0);
      assert.ok(w.cdn.authorizations.every((a) => a === ""), "the session token went to the CDN");
      const search = w.platform.requests.findIndex((r) => r.startsWith("/xrpc/"));
      assert.equal(w.platform.authorizations[search], `Bearer ${TOKEN}`);
    } finally {
      await close(w);
    }
  },
});
