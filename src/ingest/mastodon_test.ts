import assert from "node:assert/strict";
import { htmlToText, type MastodonOptions, mastodonPosts, type MastodonSource } from "./mastodon.ts";
import { type ConnectorItem, fileCursorStore, isSkippedItem, memoryCursorStore } from "./connector.ts";
import type { RawPost } from "./raw_post.ts";
import { HttpError } from "./_http.ts";
import {
  fakeClock,
  json,
  loadFixture,
  mediaBytes,
  type Replay,
  startReplay,
} from "../../tests/fixtures/replay_server.ts";

const TAG = "/api/v1/timelines/tag/photography";
const ACCOUNT = "/api/v1/accounts/42/statuses";
const SINCE = new Date("2025-01-01T00:00:00Z");

interface Emulator {
  replay: Replay;
  /** Rate-limit headers for the next timeline page, then back to a full budget. */
  lowBudgetOnce(resetIso: string): void;
  /** New statuses arrive on the hashtag timeline. */
  publish(...statuses: unknown[]): void;
}

/** A Mastodon instance: statuses from the fixtures, paged by max_id with a Link header, newest first. */
async function startMastodon(): Promise<Emulator> {
  let lowBudget: string | undefined;
  let tag: unknown[] = [];
  let account: unknown[] = [];
  const replay = await startReplay((url, base) => {
    const media = /^\/media\/(harbour|loop|street|strobe)\.(jpg|mp4)$/.exec(url.pathname);
    if (media) {
      const type = media[2] === "jpg" ? "image/jpeg" : "video/mp4";
      return new Response(mediaBytes(media[1]), { headers: { "content-type": type } });
    }
    const list = url.pathname === TAG ? tag : url.pathname === ACCOUNT ? account : undefined;
    if (!list) return notFound();
    const limit = Number(url.searchParams.get("limit") ?? 20);
    const maxId = url.searchParams.get("max_id");
    const sinceId = url.searchParams.get("since_id");
    const page = list
      .filter((s) => !maxId || BigInt(idOf(s)) < BigInt(maxId))
      .filter((s) => !sinceId || BigInt(idOf(s)) > BigInt(sinceId))
      .slice(0, limit);
    const headers: Record<string, string> = {
      "x-ratelimit-limit": "300",
      "x-ratelimit-remaining": lowBudget ? "1" : "250",
      "x-ratelimit-reset": lowBudget ?? "2026-11-29T00:05:00.000Z",
    };
    lowBudget = undefined;
    if (page.length) {
      const next = new URL(url.pathname, base);
      next.searchParams.set("limit", String(limit));
      next.searchParams.set("max_id", idOf(page.at(-1)));
      const prev = new URL(url.pathname, base);
      prev.searchParams.set("min_id", idOf(page[0]));
      headers.link = `<${next.href}>; rel="next", <${prev.href}>; rel="prev"`;
    }
    return json(page, headers);
  });
  tag = await loadFixture("./mastodon/tag_photography.json", replay.base) as unknown[];
  account = await loadFixture("./mastodon/account_statuses.json", replay.base) as unknown[];
  return {
    replay,
    lowBudgetOnce: (iso) => lowBudget = iso,
    publish: (...statuses) => tag.unshift(...statuses),
  };
}

function notFound(): Response {
  return new Response(JSON.stringify({ error: "Record not found" }), { status: 404 });
}

function idOf(status: unknown): string {
  const s = status as { id?: string; payload?: string };
  return String(s.id ?? s.payload);
}

async function collect(source: MastodonSource, options: MastodonOptions): Promise<ConnectorItem[]> {
  const items: ConnectorItem[] = [];
  for await (const item of mastodonPosts(source, options)) items.push(item);
  return items;
}

function ids(items: ConnectorItem[]): (string | undefined)[] {
  return items.map((i) => i.nativeId);
}

const tagPaths = (replay: Replay) => replay.requests.filter((r) => r.startsWith(TAG));

Deno.test("mastodonPosts() pages a hashtag timeline by the Link header and maps each status", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const clock = fakeClock();
  const items = await collect({ instance: replay.base, hashtag: "photography" }, { limit: 2, ...clock });

  assert.deepEqual(tagPaths(replay), [
    `${TAG}?limit=2`,
    `${TAG}?limit=2&max_id=113500000000000006`,
    `${TAG}?limit=2&max_id=113500000000000004`,
    `${TAG}?limit=2&max_id=113500000000000002`,
  ]);
  // The default window (24 months before the fake now) cuts the 2024 post and stops paging there.
  assert.deepEqual(ids(items), [
    "113500000000000007",
    "113500000000000006",
    "113500000000000005",
    "113500000000000004",
    "113500000000000003",
    "113500000000000002",
  ]);

  const first = items[0] as RawPost;
  assert.equal(first.platform, "mastodon");
  assert.equal(first.createdAt?.toISOString(), "2026-11-28T12:00:00.000Z");
  assert.equal(
    first.text,
    "Morning light over the harbour\nshot on film #photography\n\nFish & chips after <3",
  );
  assert.equal(first.lang, "en");
  assert.equal(first.device, "Ivory for iOS");
  assert.deepEqual(first.user, {
    id: "109000000000000001",
    followers: 420,
    following: 180,
    posts: 1999,
    createdAt: new Date("2022-11-07T00:00:00.000Z"),
  });
  assert.deepEqual(first.media, [{
    kind: "image",
    alt: "A harbour at dawn with fishing boats",
    bytes: mediaBytes("harbour"),
    mime: "image/jpeg",
  }]);
  assert.deepEqual(first.extra, {
    replyCount: 2,
    repostCount: 5,
    likeCount: 31,
    tags: ["photography", "film"],
    mentionCount: 0,
    visibility: "public",
    sensitive: false,
    isReply: false,
    bot: false,
  });

  const gifv = items[1] as RawPost;
  assert.equal(gifv.device, undefined);
  assert.equal(gifv.extra?.bot, true);
  assert.equal(gifv.extra?.mentionCount, 1);
  assert.deepEqual(gifv.media.map((m) => [m.kind, m.mime]), [["video", "video/mp4"]]);

  const reply = items[5] as RawPost;
  assert.equal(reply.lang, undefined);
  assert.equal(reply.extra?.isReply, true);
  assert.equal(reply.extra?.spoilerText, "eye strain");
  assert.deepEqual(reply.extra?.unsupportedMedia, ["audio"]);
});

Deno.test("mastodonPosts() skips a deleted status and one with missing fields, and goes on", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const items = await collect({ instance: replay.base, hashtag: "photography" }, {
    since: SINCE,
    ...fakeClock(),
  });
  const skipped = items.filter(isSkippedItem);
  assert.deepEqual(skipped, [
    { nativeId: "113500000000000005", reason: "deleted" },
    {
      nativeId: "113500000000000004",
      reason: 'Cannot map status: missing field "created_at"',
    },
  ]);
  assert.equal(items.length - skipped.length, 4);
});

Deno.test("mastodonPosts() keeps a post whose media URL fails, noting the error", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const items = await collect({ instance: replay.base, hashtag: "photography" }, {
    since: SINCE,
    ...fakeClock(),
  });
  const post = items.find((i) => i.nativeId === "113500000000000003") as RawPost;
  assert.equal(post.text, "Deux photos, une seule est encore là");
  assert.deepEqual(post.media, [
    { kind: "image", alt: "Gone", url: `${replay.base}/media/missing.jpg` },
    { kind: "image", alt: "A wet street", bytes: mediaBytes("street"), mime: "image/jpeg" },
  ]);
  assert.deepEqual(post.extra?.mediaErrors, [{
    position: 0,
    status: 404,
    error: 'Cannot fetch "<url>": HTTP status "404"',
  }]);
});

Deno.test("mastodonPosts() stops paging at the first post older than since", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const items = await collect(
    { instance: replay.base, hashtag: "photography" },
    { limit: 2, since: new Date("2026-07-01T00:00:00Z"), ...fakeClock() },
  );
  assert.equal(items.at(-1)?.nativeId, "113500000000000003");
  assert.equal(tagPaths(replay).length, 3, "the page after the cut-off is never requested");
});

Deno.test("mastodonPosts() passes over posts newer than until", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const items = await collect(
    { instance: replay.base, hashtag: "photography" },
    { since: SINCE, until: new Date("2026-11-28T00:00:00Z"), ...fakeClock() },
  );
  assert.equal(items[0].nativeId, "113500000000000006");
  assert.equal(items.length, 5);
});

Deno.test("mastodonPosts() reads an account's statuses without reblogs, with a token when given", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const items = await collect(
    { instance: replay.base, accountId: "42" },
    { since: SINCE, accessToken: "tok", ...fakeClock() },
  );
  assert.equal(replay.requests[0], `${ACCOUNT}?limit=40&exclude_reblogs=true`);
  assert.equal(replay.authorizations[0], "Bearer tok");
  assert.deepEqual(ids(items), ["113600000000000002"]);
  assert.equal((items[0] as RawPost).text, "Hola\nmundo");
  assert.equal((items[0] as RawPost).device, "Mastodon for Android");
});

Deno.test("mastodonPosts() waits Retry-After on a 429, then continues", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const clock = fakeClock();
  replay.fault(TAG, () => new Response("slow down", { status: 429, headers: { "retry-after": "7" } }));
  replay.fault(
    TAG,
    () =>
      new Response("slow down", { status: 429, headers: { "retry-after": "Sun, 29 Nov 2026 00:01:00 GMT" } }),
  );
  const items = await collect({ instance: replay.base, hashtag: "photography" }, { since: SINCE, ...clock });
  assert.deepEqual(clock.sleeps, [7_000, 53_000]);
  assert.equal(items.length, 6);
});

Deno.test("mastodonPosts() retries a 5xx with backoff, then succeeds", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const clock = fakeClock();
  replay.fault(TAG, () => new Response("oops", { status: 502 }), () => new Response("oops", { status: 503 }));
  const items = await collect(
    { instance: replay.base, hashtag: "photography" },
    { since: SINCE, baseDelayMs: 1000, random: () => 1, ...clock },
  );
  assert.deepEqual(clock.sleeps, [1000, 2000]);
  assert.equal(items.length, 6);
});

Deno.test("mastodonPosts() gives up after maxAttempts with an error naming the URL", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  replay.fault(TAG, ...Array.from({ length: 3 }, () => () => new Response("down", { status: 500 })));
  const error = await collect({ instance: replay.base, hashtag: "photography" }, {
    maxAttempts: 3,
    ...fakeClock(),
  }).then(() => undefined, (e) => e);
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 500);
  assert.equal(
    error.message,
    `Cannot fetch "${replay.base}${TAG}?limit=40": HTTP status "500" after 3 attempts`,
  );
  assert.equal(tagPaths(replay).length, 3);
});

Deno.test("mastodonPosts() rejects malformed JSON with the URL and the parse error", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  replay.fault(TAG, () => new Response('[{"id": "1",', { headers: { "content-type": "application/json" } }));
  await assert.rejects(
    collect({ instance: replay.base, hashtag: "photography" }, fakeClock()),
    (e: Error) =>
      e instanceof SyntaxError &&
      e.message.startsWith(`Cannot parse JSON from "${replay.base}${TAG}?limit=40": `) &&
      e.message.endsWith(`body starts "[{\\"id\\": \\"1\\","`),
  );
});

Deno.test("mastodonPosts() pauses until the reset time when the rate-limit budget runs low", async () => {
  const mastodon = await startMastodon();
  await using _ = mastodon.replay;
  const clock = fakeClock();
  mastodon.lowBudgetOnce("2026-11-29T00:00:30.000Z");
  const items = await collect(
    { instance: mastodon.replay.base, hashtag: "photography" },
    { limit: 2, since: SINCE, downloadMedia: false, ...clock },
  );
  assert.deepEqual(clock.sleeps, [30_000]);
  assert.equal(items.length, 6);
  assert.deepEqual((items[0] as RawPost).media, [{
    kind: "image",
    url: `${mastodon.replay.base}/media/harbour.jpg`,
    alt: "A harbour at dawn with fishing boats",
  }]);
});

Deno.test("mastodonPosts() resumes from the saved cursor after a crash, without duplicates or gaps", async () => {
  const { replay } = await startMastodon();
  await using _ = replay;
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cursors.json`;
    const source = { instance: replay.base, hashtag: "photography" };
    const options = { limit: 2, since: SINCE, ...fakeClock() };
    const all = ids(await collect(source, options));

    // Crash: the process dies with the 4th item in hand (taken, not processed); the iterator is abandoned.
    const processed: ConnectorItem[] = [];
    const crashed = mastodonPosts(source, { ...options, cursorStore: fileCursorStore(path) });
    for (let i = 0; i < 4; i++) {
      const { value } = await crashed.next();
      if (i < 3) processed.push(value as ConnectorItem);
    }
    const saved = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(JSON.parse(saved[`mastodon:${replay.base}#photography`]), {
      maxId: "113500000000000005",
      top: "113500000000000007",
    });

    const before = tagPaths(replay).length;
    const resumed = await collect(source, { ...options, cursorStore: fileCursorStore(path) });
    assert.deepEqual([...ids(processed), ...ids(resumed)], all);
    assert.equal(tagPaths(replay)[before], `${TAG}?limit=2&max_id=113500000000000005`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("htmlToText() strips tags, keeps line breaks and decodes entities", async (t) => {
  const cases: [string, string, string][] = [
    ["a <br> is a line break", "<p>one<br>two<br />three</p>", "one\ntwo\nthree"],
    ["paragraphs are separated by a blank line", "<p>one</p><p>two</p>", "one\n\ntwo"],
    [
      "links keep their visible text, whole URLs included",
      '<p><a href="https://x.example/a/b"><span class="invisible">https://</span><span class="ellipsis">x.example/a</span><span class="invisible">/b</span></a></p>',
      "https://x.example/a/b",
    ],
    ["entities are decoded once", "<p>&lt;b&gt; &amp;amp; &#39;q&#x27;&nbsp;&quot;</p>", "<b> &amp; 'q' \""],
    ["source newlines are spaces, as in HTML", "<p>one\ntwo</p>", "one two"],
    ["list items are lines", "<ul><li>a</li><li>b</li></ul>", "a\nb"],
    ["unknown entities stay as written", "<p>&bogus; &#0;</p>", "&bogus; &#0;"],
  ];
  for (const [name, html, text] of cases) {
    await t.step(name, () => assert.equal(htmlToText(html), text));
  }
});

Deno.test("mastodonPosts() after a finished crawl asks only for statuses newer than the newest seen", async () => {
  const mastodon = await startMastodon();
  const { replay } = mastodon;
  await using _ = replay;
  const store = memoryCursorStore();
  const key = `mastodon:${replay.base}#photography`;
  const source = { instance: replay.base, hashtag: "photography" };
  const options = { limit: 2, since: SINCE, downloadMedia: false, cursorStore: store, ...fakeClock() };
  assert.equal((await collect(source, options)).length, 6);
  assert.equal(await store.get(key), '{"sinceId":"113500000000000007"}');

  const fresh = (id: string) => ({
    id,
    created_at: "2026-11-28T20:00:00.000Z",
    content: "<p>new</p>",
    account: { id: "109000000000000009" },
  });
  mastodon.publish(fresh("113500000000000010"), fresh("113500000000000009"), fresh("113500000000000008"));
  const before = tagPaths(replay).length;
  const newer = await collect(source, options);
  assert.deepEqual(ids(newer), ["113500000000000010", "113500000000000009", "113500000000000008"]);
  assert.deepEqual(tagPaths(replay).slice(before), [
    `${TAG}?limit=2&since_id=113500000000000007`,
    `${TAG}?limit=2&max_id=113500000000000009&since_id=113500000000000007`,
    `${TAG}?limit=2&max_id=113500000000000008&since_id=113500000000000007`,
  ]);
  assert.equal(await store.get(key), '{"sinceId":"113500000000000010"}');
  assert.deepEqual(await collect(source, options), []);
});
