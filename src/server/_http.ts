/** What every route shares: query validation, JSON errors, the response cache with ETags, bearer tokens. */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { zValidator } from "@hono/zod-validator";
import { createHash, timingSafeEqual } from "node:crypto";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { type Db, tagNameProblem } from "@/store/mod.ts";

export interface RouteDeps {
  db: Db;
  cache: ResponseCache;
  /** Cache-Control max-age of metric responses, seconds. */
  cacheSeconds: number;
  /** Reads need a token: responses are private. */
  privateReads: boolean;
}

/** Raised by handlers for an HTTP error with a JSON body. */
export function httpError(status: 400 | 401 | 403 | 404 | 409 | 503, message: string): HTTPException {
  return new HTTPException(status, { message });
}

/** The first issue of a failed validation as `{ error, parameter }`. */
export function validationBody(
  error: { issues: readonly z.core.$ZodIssue[] },
  where: string,
): { error: string; parameter: string } {
  const issue = error.issues[0];
  let parameter = issue?.path.map(String).join(".") ?? "";
  if (issue?.code === "unrecognized_keys") parameter = issue.keys.join(", ");
  const what = where === "json" ? "body field" : "parameter";
  return { error: `Invalid ${what} "${parameter}": ${issue?.message ?? "invalid"}`, parameter };
}

/** zValidator answering 400 with a JSON error naming the parameter. */
export function valid<T extends z.ZodObject, W extends "query" | "param" | "json">(where: W, schema: T) {
  return zValidator(where, schema, (result, c) => {
    if (!result.success) return c.json(validationBody(result.error, where), 400);
  });
}

// ---- shared parameter schemas -------------------------------------------------------------------

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Days the API takes: the store's timestamps hold more, but no post is outside these. */
export const DAY_RANGE = { from: "1970-01-01", to: "2099-12-31" };
export const day = z.string().regex(DAY, "expected YYYY-MM-DD").refine(
  (v) =>
    !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
  "not a calendar day",
).refine(
  (v) => v >= DAY_RANGE.from && v <= DAY_RANGE.to,
  `outside ${DAY_RANGE.from} to ${DAY_RANGE.to}`,
);
/** A tag name as the store keeps them (any script, punctuation; see tagNameProblem). */
export const tagName = z.string().superRefine((v, ctx) => {
  const problem = tagNameProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: `the tag name ${problem}` });
});
export const platform = z.string().regex(/^[a-z0-9_.-]{1,32}$/, "expected a platform name like mastodon");
export const lang = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "expected a language code like en");
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

/** Range and breakdown filters every metric takes. */
export const filterShape = {
  from: day.optional().describe("First UTC day, YYYY-MM-DD (inclusive)"),
  to: day.optional().describe("Last UTC day, YYYY-MM-DD (inclusive)"),
  platform: platform.optional().describe("Only this platform"),
  lang: lang.optional().describe("Only this language ('und' when unknown)"),
};

/** Checks that `from` <= `to` when both are given. */
export function orderedRange<T extends { from?: string; to?: string }>(q: T): T {
  if (q.from && q.to && q.from > q.to) {
    throw httpError(400, `Invalid parameter "from": "${q.from}" is after to "${q.to}"`);
  }
  return q;
}

// ---- the response cache with ETags ----------------------------------------------------------------

interface Entry {
  /** The JSON body (Deno.serve sends a string faster than the same bytes reused). */
  body: string;
  /** The body gzipped, made on the first hit that takes gzip and kept (cached entries only). */
  gzip?: Uint8Array<ArrayBuffer>;
  etag: string;
  expires: number;
}

/** Bodies at least this long are also kept gzipped (smaller ones gain less than the header costs). */
const GZIP_MIN_BYTES = 1024;

/** Whether an Accept-Encoding header takes gzip (q=0 refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";").map((x) => x.trim());
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.find((x) => x.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export interface ResponseCacheOptions {
  /** Most entries kept (oldest dropped first). @default 2000 */
  maxEntries?: number;
  /** The data's version (e.g. the newest aggregates refresh); a change empties the cache. */
  generation?: () => Promise<number | string>;
  /** How often the generation is checked, ms. @default 1000 */
  checkMs?: number;
  /** The clock the checks are timed by, ms. @default performance.now */
  now?: () => number;
}

/**
 * Metric responses by URL, kept until `ttlMs` passes or the data's generation changes (checked at most
 * every `checkMs`), so a refresh of the aggregates shows within a second or two.
 */
export class ResponseCache {
  #entries = new Map<string, Entry>();
  /** Misses being computed: concurrent requests for one URL wait for the first (no thundering herd). */
  readonly pending = new Map<string, Promise<Entry | undefined>>();
  #generation: number | string | undefined;
  #checkedAt = -Infinity;
  #checking: Promise<void> | undefined;
  readonly maxEntries: number;
  constructor(readonly ttlMs: number, readonly options: ResponseCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 2000;
  }
  /**
   * Empties the cache when the data's generation changed since the last check. A check due within one
   * interval of the last runs while the entries are served (a request awaiting it stalled every request in
   * flight once a second: the tail of the cached latency); an older one (never checked, a failing check,
   * `checkMs` 0) is awaited. So a refresh shows within one to two intervals.
   */
  async validate(): Promise<void> {
    const source = this.options.generation;
    const every = this.options.checkMs ?? 1000;
    const now = this.options.now ?? (() => performance.now());
    const age = now() - this.#checkedAt;
    if (!source || age < every) return;
    this.#checking ??= (async () => {
      try {
        const g = await source();
        if (g !== this.#generation) this.clear();
        this.#generation = g;
        this.#checkedAt = now();
      } finally {
        this.#checking = undefined;
      }
    })();
    if (age < 2 * every) {
      this.#checking.catch(() => {}); // a failing check is awaited, and so reported, once it is overdue
      return;
    }
    await this.#checking;
  }
  get(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
  set(key: string, body: string): Entry {
    const e: Entry = {
      body,
      etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
      expires: Date.now() + this.ttlMs,
    };
    if (this.ttlMs > 0) {
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, e);
    }
    return e;
  }
  /**
   * The entry's gzipped body, made once per entry; undefined for small bodies and when nothing is kept
   * (ttl 0: compressing a body used once costs more than it saves on loopback).
   */
  gzipped(e: Entry): Uint8Array<ArrayBuffer> | undefined {
    if (this.ttlMs <= 0 || e.body.length < GZIP_MIN_BYTES) return undefined;
    return e.gzip ??= new Uint8Array(gzipSync(new TextEncoder().encode(e.body)));
  }
  clear(): void {
    this.#entries.clear();
  }
}

/** The gzipped variant's ETag: another representation, so another strong validator. */
const gzipTag = (etag: string) => `${etag.slice(0, -1)}-gzip"`;

/** Whether If-None-Match names the entry, in either encoding (both stand for the same JSON). */
const matches = (header: string | undefined, etag: string) =>
  !!header &&
  header.split(",").some((raw) => {
    const t = raw.trim().replace(/^W\//, "");
    return t === etag || t === gzipTag(etag) || t === "*";
  });

/** Serves metric responses from the cache with ETag + Cache-Control, answering 304 on If-None-Match. */
export function cachedJson(deps: RouteDeps): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const params = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
    const key = `${url.pathname}?${new URLSearchParams(params)}`;
    await deps.cache.validate();
    let entry = deps.cache.get(key);
    const pending = entry ? undefined : deps.cache.pending.get(key); // checked and set with no await between
    if (pending) entry = await pending;
    if (!entry) {
      let settle: (e: Entry | undefined) => void = () => {};
      deps.cache.pending.set(key, new Promise((resolve) => settle = resolve));
      try {
        await next();
        if (c.res.status === 200) entry = deps.cache.set(key, await c.res.clone().text());
      } finally {
        deps.cache.pending.delete(key);
        settle(entry);
      }
      if (!entry) return;
    }
    // The cached bytes go out as they are: gzipped once when the client takes gzip, never per hit.
    const gzip = acceptsGzip(c.req.header("accept-encoding")) ? deps.cache.gzipped(entry) : undefined;
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      etag: gzip ? gzipTag(entry.etag) : entry.etag,
      "cache-control": `${deps.privateReads ? "private" : "public"}, max-age=${deps.cacheSeconds}`,
      vary: "Accept-Encoding",
    };
    if (gzip) headers["content-encoding"] = "gzip";
    if (matches(c.req.header("if-none-match"), entry.etag)) {
      c.res = new Response(null, { status: 304, headers });
      return;
    }
    // The same bytes for every hit: a copy per hit cost the server ~30 of its ~80 us per response (40 KB
    // gzipped, measured by the process's CPU time under autocannon); Deno does not detach a body's buffer.
    c.res = new Response(gzip ?? entry.body, { status: 200, headers });
  };
}

// ---- bearer tokens -------------------------------------------------------------------------------

const digest = (s: string) => createHash("sha256").update(s).digest();

function bearer(c: Context): string | undefined {
  const h = c.req.header("authorization");
  const m = h?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * Requires one of `tokens` as a bearer token (none given: open). A missing token answers 401, a wrong
 * one 403.
 */
export function requireToken(tokens: (string | undefined)[], what: string): MiddlewareHandler {
  const accepted = tokens.filter((t): t is string => !!t);
  return async (c, next) => {
    if (accepted.length > 0) {
      const given = bearer(c);
      if (!given) {
        c.header("www-authenticate", 'Bearer realm="posttagger"');
        throw httpError(401, `Cannot authorize ${what}: no bearer token given`);
      }
      if (!accepted.some((t) => same(t, given))) {
        throw httpError(403, `Cannot authorize ${what}: the token is not valid`);
      }
    }
    await next();
  };
}
