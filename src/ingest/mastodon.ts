/**
 * Mastodon connector: a hashtag timeline (`GET /api/v1/timelines/tag/:hashtag`) or an account's statuses
 * (`GET /api/v1/accounts/:id/statuses`, reblogs excluded), newest first, paged by the `Link` header
 * (rel="next"), within a time window, resumable through a CursorStore. The stored cursor is JSON
 * `{"maxId":"…","top":"…"}`: the last status the consumer took (the `max_id` to go on from) and the
 * newest status seen; a finished crawl stores `{"sinceId":"…"}` and the next one asks only for newer
 * statuses (`since_id`) instead of going back over the whole window.
 *
 * Mapping (status -> RawPost): `id` -> nativeId, `content` HTML -> plain text, `language` -> lang,
 * `account` -> user, `application.name` -> device, image/gifv/video attachments -> media (downloaded; a
 * failed download keeps `{ kind, url, alt }` without bytes and adds `{ position, status, error }`, which
 * names no URL, to `extra.mediaErrors`). `extra` holds `replyCount`, `repostCount`, `likeCount`, `tags`, `mentionCount`,
 * `visibility`, `sensitive`, `isReply`, `bot`, and `spoilerText` when set. Mention handles are not kept:
 * the store anonymizes only `nativeId` and `user.id`.
 *
 * Skipped (as SkippedItem): deleted statuses (`{ event: "delete", payload: id }` as the streaming API
 * sends, or a `{ error: "Record not found" }` body) and statuses missing `id`, `created_at` or `account`.
 * Reblogs are passed over silently (the original is a post of its own).
 */

import type { RawPost } from "./raw_post.ts";
import {
  createHttpClient,
  describe,
  downloadMedia,
  type HttpClient,
  isRecord,
  type MediaRef,
  num,
  parseLinkHeader,
  str,
} from "./_http.ts";
import { type ConnectorItem, type ConnectorOptions, defaultSince, type SkippedItem } from "./connector.ts";

/** A hashtag timeline or an account's statuses on one instance (a host, or a base URL for tests). */
export type MastodonSource = { instance: string; hashtag: string } | { instance: string; accountId: string };

export interface MastodonOptions extends ConnectorOptions {
  /** Statuses per page; the API caps it at 40. @default 40 */
  limit?: number;
  /** OAuth token, for instances that keep hashtag timelines or profiles from anonymous callers. @default none */
  accessToken?: string;
}

/** Posts of a Mastodon hashtag or account, newest first, within the window. */
export async function* mastodonPosts(
  source: MastodonSource,
  options: MastodonOptions = {},
): AsyncGenerator<ConnectorItem> {
  const base = /^https?:\/\//.test(source.instance)
    ? source.instance.replace(/\/+$/, "")
    : `https://${source.instance}`;
  // The token goes to the instance only: never to media hosts or pages and redirects elsewhere.
  const http = createHttpClient({
    ...options,
    platformOrigin: base,
    credentials: options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {},
  });
  const key = options.cursorKey ??
    ("hashtag" in source
      ? `mastodon:${source.instance}#${source.hashtag}`
      : `mastodon:${source.instance}@${source.accountId}`);
  const since = options.since ?? defaultSince(new Date((options.now ?? Date.now)()));
  const until = options.until;
  const store = options.cursorStore;
  const position = readPosition(await store?.get(key));
  const sinceId = position.sinceId;
  let top = position.top;
  const save = (p: Position) => store?.set(key, JSON.stringify(p));
  const finish = () => store?.set(key, JSON.stringify({ sinceId: top ?? sinceId }));

  const first = new URL(
    "hashtag" in source
      ? `${base}/api/v1/timelines/tag/${encodeURIComponent(source.hashtag.replace(/^#/, ""))}`
      : `${base}/api/v1/accounts/${encodeURIComponent(source.accountId)}/statuses`,
  );
  first.searchParams.set("limit", String(options.limit ?? 40));
  if ("accountId" in source) first.searchParams.set("exclude_reblogs", "true");
  if (position.maxId) first.searchParams.set("max_id", position.maxId);
  if (sinceId) first.searchParams.set("since_id", sinceId);

  let url: string | undefined = first.href;
  while (url) {
    const { data, headers } = await http.getJson(url);
    if (!Array.isArray(data)) {
      throw new TypeError(`Cannot read statuses from "${url}": expected a JSON array, got ${describe(data)}`);
    }
    for (const item of data) {
      const id = statusId(item);
      const created = isRecord(item) && typeof item.created_at === "string"
        ? new Date(item.created_at)
        : undefined;
      if ((created && created < since) || (id && sinceId && compareIds(id, sinceId) <= 0)) {
        await finish();
        return;
      }
      if (!(created && until && created > until)) {
        if (id && (!top || compareIds(id, top) > 0)) top = id;
        const mapped = await mapStatus(item, { http, downloadMedia: options.downloadMedia });
        if (mapped) yield mapped;
      }
      if (id) await save({ maxId: id, sinceId, top });
    }
    const next = data.length ? parseLinkHeader(headers.get("link")).next : undefined;
    url = next && sinceId ? withParam(next, "since_id", sinceId) : next;
  }
  await finish();
}

/** The stored cursor, as JSON. */
interface Position {
  /** The last status the consumer took: the crawl in progress goes on below it. */
  maxId?: string;
  /** The newest status of the last finished crawl: this crawl stops there. */
  sinceId?: string;
  /** The newest status seen by the crawl in progress. */
  top?: string;
}

function readPosition(saved: string | undefined): Position {
  if (!saved) return {};
  try {
    const p: unknown = JSON.parse(saved);
    if (isRecord(p)) return { maxId: str(p.maxId), sinceId: str(p.sinceId), top: str(p.top) };
  } catch {
    // A bare max_id from an older store.
  }
  return { maxId: saved };
}

/** Order of two Mastodon ids: numeric strings (snowflakes), compared by length, then text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function withParam(href: string, name: string, value: string): string {
  const url = new URL(href);
  url.searchParams.set(name, value);
  return url.href;
}

export interface MapStatusOptions {
  /** Client for media downloads. @default createHttpClient() */
  http?: HttpClient;
  /** Download media into bytes; false keeps only their URLs. @default true */
  downloadMedia?: boolean;
}

/** Map one status; undefined for a reblog, a SkippedItem for a deleted or incomplete one. */
export async function mapStatus(
  item: unknown,
  options: MapStatusOptions = {},
): Promise<RawPost | SkippedItem | undefined> {
  const http = options.http ?? createHttpClient();
  if (!isRecord(item)) return { reason: `Cannot map status: expected an object, got ${describe(item)}` };
  const id = statusId(item);
  if (item.event === "delete") return { nativeId: id, reason: "deleted" };
  if (typeof item.error === "string") return { nativeId: id, reason: `deleted: ${item.error}` };
  if (!id) return { reason: `Cannot map status: missing field "id"` };
  if (isRecord(item.reblog)) return undefined;
  for (const field of ["created_at", "account"]) {
    if (item[field] === undefined || item[field] === null) {
      return { nativeId: id, reason: `Cannot map status: missing field "${field}"` };
    }
  }
  const createdAt = new Date(String(item.created_at));
  if (Number.isNaN(createdAt.getTime())) {
    return { nativeId: id, reason: `Cannot map status: invalid created_at "${item.created_at}"` };
  }
  const account = item.account;
  if (!isRecord(account) || account.id === undefined) {
    return { nativeId: id, reason: `Cannot map status: missing field "account.id"` };
  }

  const refs: MediaRef[] = [];
  const unsupported: string[] = [];
  for (const a of Array.isArray(item.media_attachments) ? item.media_attachments : []) {
    if (!isRecord(a)) continue;
    const url = str(a.url) ?? str(a.remote_url);
    const kind = a.type === "image" ? "image" : a.type === "gifv" || a.type === "video" ? "video" : undefined;
    if (!kind || !url) {
      unsupported.push(String(a.type));
      continue;
    }
    refs.push({ kind, url, ...(str(a.description) ? { alt: str(a.description) } : {}) });
  }
  const { media, errors } = options.downloadMedia ?? true
    ? await downloadMedia(http, refs)
    : { media: refs.map(({ kind, url, alt }) => ({ kind, url, ...(alt ? { alt } : {}) })), errors: [] };

  const tags = (Array.isArray(item.tags) ? item.tags : [])
    .map((t) => (isRecord(t) ? str(t.name)?.toLowerCase() : undefined))
    .filter((t): t is string => !!t);
  const extra: Record<string, unknown> = {
    replyCount: num(item.replies_count),
    repostCount: num(item.reblogs_count),
    likeCount: num(item.favourites_count),
    tags,
    mentionCount: Array.isArray(item.mentions) ? item.mentions.length : 0,
    visibility: str(item.visibility),
    sensitive: item.sensitive === true,
    isReply: item.in_reply_to_id !== null && item.in_reply_to_id !== undefined,
    bot: account.bot === true,
  };
  if (str(item.spoiler_text)) extra.spoilerText = item.spoiler_text;
  if (unsupported.length) extra.unsupportedMedia = unsupported;
  if (errors.length) extra.mediaErrors = errors;
  for (const k of Object.keys(extra)) if (extra[k] === undefined) delete extra[k];

  const accountCreated = str(account.created_at) ? new Date(account.created_at as string) : undefined;
  const post: RawPost = {
    platform: "mastodon",
    nativeId: id,
    createdAt,
    text: htmlToText(str(item.content) ?? ""),
    media,
    user: {
      id: String(account.id),
      followers: num(account.followers_count),
      following: num(account.following_count),
      posts: num(account.statuses_count),
      createdAt: accountCreated && !Number.isNaN(accountCreated.getTime()) ? accountCreated : undefined,
    },
    extra,
  };
  for (const k of Object.keys(post.user) as (keyof typeof post.user)[]) {
    if (post.user[k] === undefined) delete post.user[k];
  }
  const lang = str(item.language);
  if (lang) post.lang = lang;
  const device = isRecord(item.application) ? str(item.application.name) : undefined;
  if (device) post.device = device;
  return post;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * Plain text of Mastodon status HTML: tags stripped, `<br>` as a line break, paragraphs and other blocks
 * separated by a blank line, entities decoded.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/\s+/g, " ")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|blockquote|pre|h[1-6]|ul|ol)\s*>\s*/gi, "\n\n")
    .replace(/<\/li\s*>\s*/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X"
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]*\n[ \t]*/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function statusId(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  const id = item.id ?? (item.event === "delete" ? item.payload : undefined);
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
