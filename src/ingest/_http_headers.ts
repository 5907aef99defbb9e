/** Readers of the HTTP headers the connectors act on: Retry-After, rate-limit resets, Link. */

/**
 * Milliseconds to wait from a `Retry-After` value: delta seconds or an HTTP date.
 * Returns undefined for a missing or unreadable value; a date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date has a weekday and a month name; Date.parse alone would also take "-5" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Epoch milliseconds of a rate-limit reset: an ISO date (Mastodon `X-RateLimit-Reset`), epoch seconds
 * (Bluesky `ratelimit-reset`), or delta seconds (IETF draft; numbers below 1e9).
 */
export function parseRateLimitReset(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n >= 1e9 ? Math.round(n * 1000) : now + Math.round(n * 1000);
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** Targets of a `Link` header by relation, e.g. `{ next: "https://…?max_id=1", prev: "…" }`. */
export function parseLinkHeader(value: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  if (!value) return links;
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]);
    if (!rel) continue;
    for (const name of (rel[1] ?? rel[2]).split(/\s+/)) {
      if (name && !(name in links)) links[name.toLowerCase()] = match[1];
    }
  }
  return links;
}
