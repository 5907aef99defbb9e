import assert from "node:assert/strict";
import {
  createHttpClient,
  downloadMedia,
  HttpError,
  parseLinkHeader,
  parseRateLimitReset,
  parseRetryAfter,
} from "./_http.ts";
import { fakeClock } from "../../tests/fixtures/replay_server.ts";

const NOW = Date.parse("2026-11-29T00:00:00Z");

Deno.test("parseRetryAfter() reads delta seconds and HTTP dates as milliseconds to wait", async (t) => {
  const cases: [string, string | null, number | undefined][] = [
    ["delta seconds", "120", 120_000],
    ["fractional seconds", "1.5", 1_500],
    ["an HTTP date", "Sun, 29 Nov 2026 00:00:30 GMT", 30_000],
    ["an HTTP date in the past waits 0", "Sat, 28 Nov 2026 23:00:00 GMT", 0],
    ["a missing header", null, undefined],
    ["garbage", "soon", undefined],
    ["a negative number is not a delta", "-5", undefined],
  ];
  for (const [name, value, ms] of cases) {
    await t.step(name, () => assert.equal(parseRetryAfter(value, NOW), ms));
  }
});

Deno.test("parseRateLimitReset() reads ISO dates, epoch seconds and delta seconds", async (t) => {
  const cases: [string, string, number | undefined][] = [
    ["Mastodon's ISO date", "2026-11-29T00:05:00.000Z", NOW + 300_000],
    ["Bluesky's epoch seconds", String(NOW / 1000 + 60), NOW + 60_000],
    ["delta seconds", "30", NOW + 30_000],
    ["garbage", "later", undefined],
  ];
  for (const [name, value, at] of cases) {
    await t.step(name, () => assert.equal(parseRateLimitReset(value, NOW), at));
  }
});

Deno.test("parseLinkHeader() maps each rel to its URL", async (t) => {
  await t.step("Mastodon's next and prev", () => {
    const header = '<https://m.example/api/v1/timelines/tag/cats?max_id=7>; rel="next", ' +
      '<https://m.example/api/v1/timelines/tag/cats?min_id=9>; rel="prev"';
    assert.deepEqual(parseLinkHeader(header), {
      next: "https://m.example/api/v1/timelines/tag/cats?max_id=7",
      prev: "https://m.example/api/v1/timelines/tag/cats?min_id=9",
    });
  });
  await t.step("unquoted rel, extra params and several rels in one", () => {
    const header =
      '<https://a.example/2>; title="page two"; rel=next, <https://a.example/1>; rel="prev first"';
    assert.deepEqual(parseLinkHeader(header), {
      next: "https://a.example/2",
      prev: "https://a.example/1",
      first: "https://a.example/1",
    });
  });
  await t.step("an empty or missing header", () => {
    assert.deepEqual(parseLinkHeader(""), {});
    assert.deepEqual(parseLinkHeader(null), {});
  });
  await t.step("a link without rel is ignored", () => {
    assert.deepEqual(parseLinkHeader("<https://a.example/x>; title=x"), {});
  });
});

Deno.test("createHttpClient() retries network errors with growing jittered backoff", async () => {
  const clock = fakeClock();
  let calls = 0;
  const http = createHttpClient({
    ...clock,
    baseDelayMs: 100,
    random: () => 0.5,
    fetch: () => {
      calls++;
      if (calls < 4) return Promise.reject(new TypeError("connection reset"));
      return Promise.resolve(new Response('{"ok":true}'));
    },
  });
  const got = await http.getJson("https://x.example/a");
  assert.deepEqual(got.data, { ok: true });
  // Half the doubled delay plus half of it times random(): 100 -> 75, 200 -> 150, 400 -> 300.
  assert.deepEqual(clock.sleeps, [75, 150, 300]);
});

Deno.test("createHttpClient() does not retry a 4xx other than 408 and 429", async () => {
  let calls = 0;
  const http = createHttpClient({
    ...fakeClock(),
    fetch: () => {
      calls++;
      return Promise.resolve(new Response("no", { status: 403 }));
    },
  });
  await assert.rejects(
    http.getJson("https://x.example/secret"),
    (e: unknown) =>
      e instanceof HttpError && e.status === 403 &&
      e.message === 'Cannot fetch "https://x.example/secret": HTTP status "403"',
  );
  assert.equal(calls, 1);
});

Deno.test("createHttpClient() times out a hanging request and says so", async () => {
  const http = createHttpClient({
    ...fakeClock(),
    maxAttempts: 2,
    timeoutMs: 5,
    fetch: (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      }),
  });
  await assert.rejects(
    http.getBytes("https://x.example/slow"),
    (e: unknown) =>
      e instanceof HttpError && e.status === 0 &&
      e.message === 'Cannot fetch "https://x.example/slow": timed out after 5 ms after 2 attempts',
  );
});

Deno.test("downloadMedia() prefers the response type and keeps a failed file as a URL", async () => {
  const http = createHttpClient({
    ...fakeClock(),
    fetch: (url) => {
      const href = String(url);
      if (href.endsWith("/a")) {
        return Promise.resolve(new Response("A", { headers: { "content-type": "image/png" } }));
      }
      if (href.endsWith("/b")) {
        return Promise.resolve(
          new Response("B", { headers: { "content-type": "application/octet-stream" } }),
        );
      }
      return Promise.resolve(new Response("", { status: 410 }));
    },
  });
  const { media, errors } = await downloadMedia(http, [
    { kind: "image", url: "https://x.example/a", mime: "image/jpeg" },
    { kind: "video", url: "https://x.example/b", mime: "video/mp4", alt: "b" },
    { kind: "image", url: "https://x.example/c", alt: "c" },
  ]);
  assert.deepEqual(media, [
    { kind: "image", bytes: new TextEncoder().encode("A"), mime: "image/png" },
    { kind: "video", alt: "b", bytes: new TextEncoder().encode("B"), mime: "video/mp4" },
    { kind: "image", alt: "c", url: "https://x.example/c" },
  ]);
  assert.deepEqual(errors, [{ position: 2, status: 410, error: 'Cannot fetch "<url>": HTTP status "410"' }]);
});
