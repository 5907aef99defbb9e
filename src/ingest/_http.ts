/**
 * Shared HTTP for the platform connectors: JSON and byte downloads with retries, exponential backoff with
 * jitter, `Retry-After` on 429/503, and a pause before a host's rate-limit budget runs out
 * (Mastodon `X-RateLimit-Remaining/Reset`, Bluesky `ratelimit-remaining/ratelimit-reset`).
 * `fetch`, `sleep`, `now` and `random` are injectable so tests never wait.
 *
 * Against hostile servers and posts: credentials go only to the platform's own origin (never to a media
 * host, another page host or a redirect target elsewhere); redirects are followed by hand, each target
 * checked by the network guard (no file:, loopback, private or link-local address; see _net_guard.ts);
 * bodies are capped while streaming; each attempt has a time limit.
 */
import { checkUrl, UrlRefusedError } from "./_net_guard.ts";
import { parseLinkHeader, parseRateLimitReset, parseRetryAfter } from "./_http_headers.ts";

export { parseLinkHeader, parseRateLimitReset, parseRetryAfter };

import type { RawMedia } from "./raw_post.ts";

/** A failed HTTP exchange; `status` is 0 for network errors and timeouts. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(message: string, readonly url: string, readonly status: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A request the client will not make or a body it will not read (not retried). */
export class RequestRefusedError extends HttpError {
  override name = "RequestRefusedError";
}

export interface HttpOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How to wait. @default a setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Uniform random number in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** Attempts per request, the first included, for 429, 5xx, network errors and timeouts. @default 5 */
  maxAttempts?: number;
  /** First backoff delay; doubles each attempt. @default 1000 */
  baseDelayMs?: number;
  /** Longest backoff delay and longest honoured `Retry-After`/reset wait. @default 900_000 (15 min) */
  maxDelayMs?: number;
  /** Pause until the reset time when a host reports at most this many requests left. @default 1 */
  minRemaining?: number;
  /** Abort one attempt (headers and body) after this long. @default 30_000 */
  timeoutMs?: number;
  /** Headers sent with every request (never credentials: see `credentials`). @default {} */
  headers?: Record<string, string>;
  /**
   * The platform's origin (`https://mastodon.social`): requests to it are trusted even on a private
   * network (the user named it), and it is the only origin `credentials` go to. @default none
   */
  platformOrigin?: string;
  /** Headers sent to `platformOrigin` only, e.g. `Authorization`. @default {} */
  credentials?: Record<string, string>;
  /**
   * Hosts ("name" or "name:port") a connector may reach although they resolve to a loopback or private
   * address (a self-hosted CDN). @default []
   */
  allowPrivateHosts?: string[];
  /** Resolves host names for the network guard. @default the system resolver */
  resolveHost?: (hostname: string) => Promise<string[]>;
  /** Largest response body read; a bigger one fails without retry. @default 100_000_000 */
  maxBodyBytes?: number;
  /** Redirects followed per request. @default 5 */
  maxRedirects?: number;
}

export interface JsonResponse {
  data: unknown;
  headers: Headers;
  /** The URL after redirects. */
  url: string;
}

export interface BytesResponse {
  bytes: Uint8Array;
  /** `Content-Type` without parameters, if the server sent one. */
  mime?: string;
}

export interface HttpClient {
  /** GET `url` and parse its body as JSON; malformed JSON throws a SyntaxError naming the URL. */
  getJson(url: string): Promise<JsonResponse>;
  /** POST `body` as JSON to `url` and parse the JSON answer (retried like a GET: use it for idempotent calls). */
  postJson(url: string, body: unknown): Promise<JsonResponse>;
  /** GET `url` as bytes. */
  getBytes(url: string): Promise<BytesResponse>;
  /** GET `url` as text. */
  getText(url: string): Promise<string>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Create a client whose requests share per-host rate-limit state. */
export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 900_000;
  const minRemaining = options.minRemaining ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers = options.headers ?? {};
  const credentials = options.credentials ?? {};
  const platformOrigin = options.platformOrigin ? new URL(options.platformOrigin).origin : undefined;
  const guard = {
    trustedOrigins: platformOrigin ? [platformOrigin] : [],
    allowPrivateHosts: options.allowPrivateHosts,
    resolveHost: options.resolveHost,
  };
  const maxBodyBytes = options.maxBodyBytes ?? 100_000_000;
  const maxRedirects = options.maxRedirects ?? 5;
  /** host -> epoch ms before which no request goes out. */
  const pausedUntil = new Map<string, number>();

  function backoff(attempt: number): number {
    const full = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return full / 2 + random() * (full / 2);
  }

  async function waitForBudget(host: string): Promise<void> {
    const until = pausedUntil.get(host);
    if (until === undefined) return;
    pausedUntil.delete(host);
    const wait = Math.min(maxDelayMs, until - now());
    if (wait > 0) await sleep(wait);
  }

  function noteRateLimit(host: string, res: Response): void {
    const remaining = res.headers.get("x-ratelimit-remaining") ?? res.headers.get("ratelimit-remaining");
    const reset = res.headers.get("x-ratelimit-reset") ?? res.headers.get("ratelimit-reset");
    if (remaining === null || reset === null) return;
    const left = Number(remaining);
    if (!Number.isFinite(left) || left > minRemaining) return;
    const at = parseRateLimitReset(reset, now());
    if (at !== undefined) pausedUntil.set(host, at);
  }

  /**
   * One attempt: fetch, following redirects by hand. Each target passes the network guard; credentials
   * go with a request to the platform's origin only.
   */
  async function fetchFollowing(url: string, body: unknown, signal: AbortSignal): Promise<Response> {
    let target = new URL(url);
    let post = body !== undefined;
    for (let hop = 0;; hop++) {
      try {
        await checkUrl(target, guard);
      } catch (error) {
        if (error instanceof UrlRefusedError) throw new RequestRefusedError(error.message, target.href, 0);
        throw error;
      }
      const own = platformOrigin !== undefined && target.origin === platformOrigin;
      const sent = { ...headers, ...(own ? credentials : {}) };
      const init: RequestInit = post
        ? {
          method: "POST",
          headers: { ...sent, "content-type": "application/json" },
          body: JSON.stringify(body),
        }
        : { headers: sent };
      const res = await doFetch(target.href, { ...init, signal, redirect: "manual" });
      const location = res.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await res.body?.cancel();
      if (hop >= maxRedirects) {
        throw new RequestRefusedError(
          `Cannot fetch "${url}": more than ${maxRedirects} redirects`,
          url,
          res.status,
        );
      }
      if (res.status === 303 || (post && res.status !== 307 && res.status !== 308)) post = false;
      target = new URL(location, target);
    }
  }

  /** The body as bytes, refusing more than `maxBodyBytes` (declared or streamed). */
  async function readCapped(url: string, res: Response): Promise<Uint8Array> {
    const tooBig = () =>
      new RequestRefusedError(
        `Cannot read body of "${url}": more than ${maxBodyBytes} bytes`,
        url,
        res.status,
      );
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      await res.body?.cancel();
      throw tooBig();
    }
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? new ReadableStream<Uint8Array>()) {
      size += chunk.byteLength;
      if (size > maxBodyBytes) throw tooBig(); // leaving the loop cancels the stream
      parts.push(chunk);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) (out.set(p, at), at += p.byteLength);
    return out;
  }

  async function request<T>(url: string, read: (res: Response) => Promise<T>, body?: unknown): Promise<T> {
    const host = new URL(url).host;
    let lastError: HttpError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      await waitForBudget(host);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let retryWait: number | undefined;
      try {
        let res: Response;
        try {
          res = await fetchFollowing(url, body, controller.signal);
        } catch (error) {
          if (error instanceof RequestRefusedError) throw error;
          const reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : String(error);
          lastError = new HttpError(`Cannot fetch "${url}": ${reason}`, url, 0, { cause: error });
          retryWait = backoff(attempt);
          continue;
        }
        noteRateLimit(host, res);
        if (res.ok) {
          try {
            return await read(res);
          } catch (error) {
            if (error instanceof SyntaxError || error instanceof RequestRefusedError) throw error;
            const reason = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : String(error);
            lastError = new HttpError(`Cannot read body of "${url}": ${reason}`, url, 0, { cause: error });
            retryWait = backoff(attempt);
            continue;
          }
        }
        await res.body?.cancel();
        lastError = new HttpError(`Cannot fetch "${url}": HTTP status "${res.status}"`, url, res.status);
        if (res.status === 429 || res.status >= 500 || res.status === 408) {
          const retryAfter = parseRetryAfter(res.headers.get("retry-after"), now());
          const reset = pausedUntil.get(host);
          retryWait = retryAfter ?? (res.status === 429 && reset !== undefined ? 0 : backoff(attempt));
          continue;
        }
        throw lastError;
      } finally {
        clearTimeout(timer);
        if (retryWait !== undefined && attempt < maxAttempts) await sleep(Math.min(maxDelayMs, retryWait));
      }
    }
    throw new HttpError(`${lastError!.message} after ${maxAttempts} attempts`, url, lastError!.status, {
      cause: lastError,
    });
  }

  async function readJson(url: string, res: Response): Promise<JsonResponse> {
    const text = new TextDecoder().decode(await readCapped(url, res));
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      const start = JSON.stringify(text.slice(0, 60));
      throw new SyntaxError(
        `Cannot parse JSON from "${url}": ${(error as Error).message}; body starts ${start}`,
      );
    }
    return { data, headers: res.headers, url: res.url || url };
  }

  return {
    getJson: (url) => request(url, (res) => readJson(url, res)),
    postJson: (url, body) => request(url, (res) => readJson(url, res), body),
    getBytes: (url) =>
      request(url, async (res) => {
        const bytes = await readCapped(url, res);
        const mime = res.headers.get("content-type")?.split(";")[0].trim() || undefined;
        return { bytes, mime };
      }),
    getText: (url) => request(url, async (res) => new TextDecoder().decode(await readCapped(url, res))),
  };
}

/** A media file to fetch, as a connector found it in a post. */
export interface MediaRef {
  kind: "image" | "video";
  url: string;
  /** The MIME type the platform declared, used when the response has no `Content-Type`. */
  mime?: string;
  alt?: string;
  /** Custom download, e.g. an HLS playlist; defaults to `http.getBytes(url)`. */
  download?: () => Promise<BytesResponse>;
}

/** One media download that failed; kept in `post.extra.mediaErrors`. */
/**
 * One media download that failed, kept in `post.extra.mediaErrors`. Stored in clear, so it names no URL
 * (Bluesky media URLs carry the author's DID): the URL stays on the media entry itself.
 */
export interface MediaError {
  /** Index of the media entry in `post.media`. */
  position: number;
  /** HTTP status, 0 for a network error or timeout, undefined for other failures. */
  status?: number;
  /** What went wrong, with URLs replaced by "<url>". */
  error: string;
}

/**
 * Download each media file. A failed one stays in the list as `{ kind, url, alt }` with no bytes, and its
 * error goes to `errors`, so the post is kept.
 */
export async function downloadMedia(
  http: HttpClient,
  refs: MediaRef[],
): Promise<{ media: RawMedia[]; errors: MediaError[] }> {
  const media: RawMedia[] = [];
  const errors: MediaError[] = [];
  for (const ref of refs) {
    const base = { kind: ref.kind, ...(ref.alt ? { alt: ref.alt } : {}) };
    try {
      const got = await (ref.download ? ref.download() : http.getBytes(ref.url));
      const mime = got.mime && got.mime !== "application/octet-stream" ? got.mime : ref.mime;
      media.push({ ...base, bytes: got.bytes, ...(mime ? { mime } : {}) });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).replace(
        /https?:\/\/[^\s"]+/g,
        "<url>",
      );
      const status = error instanceof HttpError ? { status: error.status } : {};
      errors.push({ position: media.length, ...status, error: message });
      media.push({ ...base, url: ref.url, ...(ref.mime ? { mime: ref.mime } : {}) });
    }
  }
  return { media, errors };
}

// Small readers for untyped JSON.

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function str(x: unknown): string | undefined {
  return typeof x === "string" && x !== "" ? x : undefined;
}

export function num(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}

export function describe(x: unknown): string {
  return `"${JSON.stringify(x)?.slice(0, 60)}"`;
}
