/**
 * Connector throughput without a network: an in-memory `fetch` serves synthetic Mastodon and Bluesky
 * pages (one small image per post), so the figures measure paging, mapping, HTML-to-text, media handling
 * and cursor commits, the connector's own cost per post.
 */

import {
  blueskyPosts,
  type CursorStore,
  fileCursorStore,
  htmlToText,
  mastodonPosts,
  memoryCursorStore,
} from "@/ingest/mod.ts";

export interface BenchConnectorsOptions {
  /** Posts per crawl. @default 2000 */
  posts?: number;
  /** Bytes of each post's image. @default 50_000 */
  imageBytes?: number;
}

const BASE = "https://bench.example";
const START = Date.parse("2026-11-28T00:00:00Z");

/** Posts per second for each connector, with an in-memory and a file cursor store, and HTML-to-text speed. */
export async function benchConnectors(
  options: BenchConnectorsOptions = {},
): Promise<Record<string, number | string>> {
  const posts = options.posts ?? 2000;
  const image = new Uint8Array(options.imageBytes ?? 50_000);
  const fetch = fakeFetch(posts, image);
  const common = { fetch, since: new Date(START - posts * 60_000 - 1), limit: 40 };
  const dir = await Deno.makeTempDir();
  const figures: Record<string, number | string> = { posts, imageBytes: image.length };
  try {
    const stores: [string, () => CursorStore][] = [
      ["memory", () => memoryCursorStore()],
      ["file", () => fileCursorStore(`${dir}/cursors-${crypto.randomUUID()}.json`)],
    ];
    for (const [name, store] of stores) {
      figures[`mastodon_${name}Cursor_postsPerSec`] = await rate(
        mastodonPosts({ instance: BASE, hashtag: "bench" }, { ...common, cursorStore: store() }),
        posts,
      );
      figures[`bluesky_${name}Cursor_postsPerSec`] = await rate(
        blueskyPosts({ actor: "bench.example.com" }, { ...common, service: BASE, cursorStore: store() }),
        posts,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const html = statusHtml(0).repeat(20);
  const t0 = performance.now();
  let chars = 0;
  for (let i = 0; i < 2000; i++) chars += htmlToText(html).length;
  figures.htmlToText_MBPerSec = round((html.length * 2000) / 1e6 / ((performance.now() - t0) / 1000));
  figures.htmlToText_outChars = chars / 2000;
  return figures;
}

async function rate(items: AsyncIterable<unknown>, expected: number): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const _ of items) n++;
  if (n !== expected) {
    throw new RangeError(`Cannot bench connector: expected "${expected}" posts, got "${n}"`);
  }
  return round(n / ((performance.now() - t0) / 1000));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function statusHtml(i: number): string {
  return `<p>Post number ${i} about light &amp; shadow<br />second line <a href="${BASE}/tags/bench" ` +
    `class="mention hashtag" rel="tag">#<span>bench</span></a></p><p>Another paragraph</p>`;
}

function fakeFetch(posts: number, image: Uint8Array): typeof fetch {
  const time = (i: number) => new Date(START - i * 60_000).toISOString();
  const status = (i: number) => ({
    id: String(1e15 + posts - i),
    created_at: time(i),
    content: statusHtml(i),
    language: "en",
    replies_count: 1,
    reblogs_count: 2,
    favourites_count: 3,
    visibility: "public",
    application: { name: "Web" },
    account: { id: String(i % 97), followers_count: 10, following_count: 5, statuses_count: 100, bot: false },
    media_attachments: [{ type: "image", url: `${BASE}/media/${i}.jpg`, description: "alt" }],
    tags: [{ name: "bench" }],
    mentions: [],
  });
  const postView = (i: number) => ({
    uri: `at://did:plc:bench/app.bsky.feed.post/${i}`,
    author: { did: `did:plc:a${i % 97}`, handle: "bench.example.com" },
    record: { text: `Post number ${i} #bench`, createdAt: time(i), langs: ["en"] },
    embed: {
      $type: "app.bsky.embed.images#view",
      images: [{ fullsize: `${BASE}/img/${i}@jpeg`, alt: "alt" }],
    },
    replyCount: 1,
    repostCount: 2,
    likeCount: 3,
    indexedAt: time(i),
  });
  return (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const limit = Number(url.searchParams.get("limit") ?? 40);
    if (url.pathname.startsWith("/media/") || url.pathname.startsWith("/img/")) {
      return Promise.resolve(new Response(image.slice(), { headers: { "content-type": "image/jpeg" } }));
    }
    if (url.pathname.startsWith("/api/v1/timelines/tag/")) {
      const maxId = url.searchParams.get("max_id");
      const from = maxId ? posts - (Number(maxId) - 1e15) + 1 : 0;
      const page = Array.from(
        { length: Math.max(0, Math.min(limit, posts - from)) },
        (_, k) => status(from + k),
      );
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (page.length) {
        headers.link = `<${BASE}${url.pathname}?limit=${limit}&max_id=${page.at(-1)!.id}>; rel="next"`;
      }
      return Promise.resolve(new Response(JSON.stringify(page), { headers }));
    }
    const from = Number(url.searchParams.get("cursor") ?? 0);
    const feed = Array.from({ length: Math.max(0, Math.min(limit, posts - from)) }, (_, k) => ({
      post: postView(from + k),
    }));
    const cursor = from + limit < posts ? String(from + limit) : undefined;
    return Promise.resolve(new Response(JSON.stringify({ cursor, feed })));
  };
}
