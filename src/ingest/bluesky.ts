/**
 * Bluesky connector: post search (`app.bsky.feed.searchPosts`, sort=latest, with since/until) or an
 * author feed (`app.bsky.feed.getAuthorFeed`), newest first, paged by `cursor`, within a time window,
 * resumable through a CursorStore. The stored cursor is JSON `{"cursor":"…","skip":n,"top":"…"}`: the
 * page cursor, how many items of that page the consumer already took (Bluesky cursors mark pages, not
 * posts) and the newest feed time seen; a finished crawl stores `{"newest":"…"}` and the next one stops
 * at that time (`since` for search) instead of going back over the whole window.
 *
 * Mapping (post view -> RawPost): `uri` -> nativeId, `record.text`, `record.createdAt`, `record.langs[0]`
 * -> lang (all in `extra.langs`), `author.did` -> user.id (the handle is not kept: the store anonymizes
 * only `nativeId` and `user.id`), `author.createdAt` -> user.createdAt. Media from the embed view
 * (also inside recordWithMedia): images#view `fullsize` + `alt` as images; video#view as a video made of
 * the HLS playlist's lowest-bandwidth rendition, its segments concatenated (MPEG-TS `video/mp2t`, or
 * `video/mp4` for fMP4 with an init map), which ffmpeg decodes; with `video: "thumbnail"` the poster image
 * is taken instead, as an image. A failed download keeps `{ kind, url, alt }` without bytes and adds
 * `{ position, status, error }`, which names no URL (media URLs carry the DID), to `extra.mediaErrors`. `extra` holds `replyCount`, `repostCount`, `likeCount`,
 * `quoteCount`, `tags` (tag facets and record tags), `mentionCount`, `isReply`, `labels`.
 *
 * Post search needs a login: the public AppView answers it with 403 to anonymous callers (author feeds
 * work without one); `blueskyLogin()` with an app password gives the `accessJwt` to pass.
 *
 * Skipped (as SkippedItem): notFoundPost, blockedPost, and posts missing `uri`, `record.createdAt` or
 * `author.did`. Reposts (and pins) in an author feed are passed over silently (the original is a post of
 * its own); a repost's time, not the original's, counts for the window cut-off.
 */

import type { RawPost } from "./raw_post.ts";
import { downloadHls } from "./hls.ts";
import {
  createHttpClient,
  describe,
  downloadMedia,
  type HttpClient,
  HttpError,
  type HttpOptions,
  isRecord,
  type MediaRef,
  num,
  str,
} from "./_http.ts";
import { type ConnectorItem, type ConnectorOptions, defaultSince, type SkippedItem } from "./connector.ts";

export { downloadHls };

/** A search query, or an author (handle or DID) whose feed to read. */
export type BlueskySource = { query: string } | { actor: string };

export interface BlueskyOptions extends ConnectorOptions {
  /**
   * XRPC service base URL: the public AppView, or with `accessJwt` the account's PDS, which proxies to
   * the AppView. @default "https://public.api.bsky.app", or "https://bsky.social" with `accessJwt`
   */
  service?: string;
  /**
   * Session token from `blueskyLogin()`. The public AppView answers post search with 403 to anonymous
   * callers (author feeds work without it). It expires after about two hours. @default none
   */
  accessJwt?: string;
  /** Posts per page; the API caps it at 100. @default 100 */
  limit?: number;
  /** Only posts in this language (searchPosts `lang`). @default any */
  lang?: string;
  /** How to take a video: its HLS stream ("hls") or its poster image ("thumbnail"). @default "hls" */
  video?: "hls" | "thumbnail";
  /** Largest video to download; a bigger one becomes a media error. @default 100_000_000 */
  maxVideoBytes?: number;
}

/** The stored cursor, as JSON. */
interface Position {
  /** Page cursor of the crawl in progress. */
  cursor?: string;
  /** Items of that page the consumer already took. */
  skip: number;
  /** Newest feed time (ISO) of the last finished crawl: the next crawl stops there. */
  newest?: string;
  /** Newest feed time seen by the crawl in progress. */
  top?: string;
}

/** Posts of a Bluesky search or author feed, newest first, within the window. */
export async function* blueskyPosts(
  source: BlueskySource,
  options: BlueskyOptions = {},
): AsyncGenerator<ConnectorItem> {
  const defaultService = options.accessJwt ? "https://bsky.social" : "https://public.api.bsky.app";
  const service = (options.service ?? defaultService).replace(/\/+$/, "");
  // The session token goes to the service only: media (cdn.bsky.app, video hosts) are fetched without it.
  const http = createHttpClient({
    ...options,
    platformOrigin: service,
    credentials: options.accessJwt ? { authorization: `Bearer ${options.accessJwt}` } : {},
  });
  const key = options.cursorKey ??
    ("query" in source ? `bluesky:${source.query}` : `bluesky:@${source.actor}`);
  const store = options.cursorStore;
  const position = readPosition(await store?.get(key));
  let { cursor, skip, top } = position;
  // After a finished crawl, the next one only goes back to the newest post it saw.
  const windowStart = options.since ?? defaultSince(new Date((options.now ?? Date.now)()));
  const newest = position.newest ? new Date(position.newest) : undefined;
  const since = newest && newest > windowStart ? newest : windowStart;
  const until = options.until;
  const mapOptions = {
    http,
    downloadMedia: options.downloadMedia ?? true,
    video: options.video ?? "hls",
    maxVideoBytes: options.maxVideoBytes ?? 100_000_000,
  };
  const save = (p: Partial<Position>) => store?.set(key, JSON.stringify({ ...p, newest: position.newest }));
  const finish = () => store?.set(key, JSON.stringify({ skip: 0, newest: top ?? position.newest }));

  while (true) {
    const url = new URL(
      `${service}/xrpc/${"query" in source ? "app.bsky.feed.searchPosts" : "app.bsky.feed.getAuthorFeed"}`,
    );
    if ("query" in source) {
      url.searchParams.set("q", source.query);
      url.searchParams.set("sort", "latest");
      url.searchParams.set("since", since.toISOString());
      if (until) url.searchParams.set("until", until.toISOString());
      if (options.lang) url.searchParams.set("lang", options.lang);
    } else {
      url.searchParams.set("actor", source.actor);
    }
    url.searchParams.set("limit", String(options.limit ?? 100));
    if (cursor) url.searchParams.set("cursor", cursor);

    const { data } = await http.getJson(url.href).catch((error) => {
      if (error instanceof HttpError && error.status === 403 && "query" in source && !options.accessJwt) {
        throw new HttpError(`${error.message}; post search needs a login, pass accessJwt`, error.url, 403, {
          cause: error,
        });
      }
      throw error;
    });
    const items = isRecord(data) ? ("query" in source ? data.posts : data.feed) : undefined;
    if (!Array.isArray(items)) {
      const field = "query" in source ? "posts" : "feed";
      throw new TypeError(
        `Cannot read posts from "${url.href}": expected an array "${field}", got ${describe(data)}`,
      );
    }
    for (let i = skip; i < items.length; i++) {
      const item = items[i];
      const post = "query" in source ? item : isRecord(item) ? item.post : item;
      // A repost (or a pin) is passed over; a repost's place in the feed is its repost time.
      const reason = isRecord(item) && isRecord(item.reason) ? item.reason : undefined;
      const created = postTime(post);
      const sortAt = reason ? dateOf(reason.indexedAt) : created?.sortAt;
      if (sortAt && (sortAt < windowStart || (newest && sortAt <= newest))) {
        await finish();
        return;
      }
      const newer = !!(until && sortAt && sortAt > until);
      if (sortAt && !newer && (!top || sortAt.toISOString() > top)) top = sortAt.toISOString();
      const inWindow = !created || (created.createdAt >= since && !(until && created.createdAt > until));
      if (!reason && inWindow) yield await mapPostView(post, mapOptions);
      await save({ cursor, skip: i + 1, top });
    }
    const next = isRecord(data) ? str(data.cursor) : undefined;
    if (!next || items.length === 0) break;
    cursor = next;
    skip = 0;
    await save({ cursor, skip, top });
  }
  await finish();
}

export interface BlueskySession {
  accessJwt: string;
  refreshJwt: string;
  did: string;
  handle: string;
}

/**
 * Log in with a handle (or email) and an app password (`com.atproto.server.createSession`); pass the
 * session's `accessJwt` to `blueskyPosts()`.
 */
export async function blueskyLogin(
  identifier: string,
  appPassword: string,
  options: HttpOptions & { service?: string } = {},
): Promise<BlueskySession> {
  const service = (options.service ?? "https://bsky.social").replace(/\/+$/, "");
  const url = `${service}/xrpc/com.atproto.server.createSession`;
  const { data } = await createHttpClient({ ...options, platformOrigin: service }).postJson(url, {
    identifier,
    password: appPassword,
  });
  if (!isRecord(data) || !str(data.accessJwt) || !str(data.did)) {
    throw new TypeError(
      `Cannot log in to "${service}" as "${identifier}": no session in the answer ${describe(data)}`,
    );
  }
  return {
    accessJwt: data.accessJwt as string,
    refreshJwt: String(data.refreshJwt ?? ""),
    did: data.did as string,
    handle: String(data.handle ?? identifier),
  };
}

export interface MapPostViewOptions {
  /** Client for media downloads. @default createHttpClient() */
  http?: HttpClient;
  /** Download media. @default true */
  downloadMedia?: boolean;
  /** See BlueskyOptions.video. @default "hls" */
  video?: "hls" | "thumbnail";
  /** See BlueskyOptions.maxVideoBytes. @default 100_000_000 */
  maxVideoBytes?: number;
}

/** Map one `app.bsky.feed.defs#postView`; a SkippedItem for notFound/blocked or incomplete ones. */
export async function mapPostView(
  view: unknown,
  options: MapPostViewOptions = {},
): Promise<RawPost | SkippedItem> {
  const http = options.http ?? createHttpClient();
  if (!isRecord(view)) return { reason: `Cannot map post: expected an object, got ${describe(view)}` };
  const uri = str(view.uri);
  const type = String(view.$type ?? "");
  if (view.notFound === true || type.endsWith("#notFoundPost")) return { nativeId: uri, reason: "not found" };
  if (view.blocked === true || type.endsWith("#blockedPost")) return { nativeId: uri, reason: "blocked" };
  if (!uri) return { reason: `Cannot map post: missing field "uri"` };
  const record = view.record;
  if (!isRecord(record) || !str(record.createdAt)) {
    return { nativeId: uri, reason: `Cannot map post: missing field "record.createdAt"` };
  }
  const createdAt = new Date(record.createdAt as string);
  if (Number.isNaN(createdAt.getTime())) {
    return {
      nativeId: uri,
      reason: `Cannot map post: invalid record.createdAt "${record.createdAt}"`,
    };
  }
  const author = view.author;
  if (!isRecord(author) || !str(author.did)) {
    return { nativeId: uri, reason: `Cannot map post: missing field "author.did"` };
  }

  const refs = mediaRefs(view.embed, http, options);
  const { media, errors } = options.downloadMedia ?? true
    ? await downloadMedia(http, refs)
    : { media: refs.map(({ kind, url, alt }) => ({ kind, url, ...(alt ? { alt } : {}) })), errors: [] };

  const facets = Array.isArray(record.facets) ? record.facets : [];
  const features = facets.flatMap((f) => (isRecord(f) && Array.isArray(f.features) ? f.features : []))
    .filter(isRecord);
  const tags = new Set<string>();
  for (const f of features) {
    if (String(f.$type).endsWith("#tag") && str(f.tag)) tags.add((f.tag as string).toLowerCase());
  }
  for (const t of Array.isArray(record.tags) ? record.tags : []) {
    if (str(t)) tags.add((t as string).toLowerCase());
  }
  const langs = (Array.isArray(record.langs) ? record.langs : []).filter((l): l is string => !!str(l));
  const labels = (Array.isArray(view.labels) ? view.labels : [])
    .map((l) => (isRecord(l) ? str(l.val) : undefined))
    .filter((l): l is string => !!l);

  const extra: Record<string, unknown> = {
    replyCount: num(view.replyCount),
    repostCount: num(view.repostCount),
    likeCount: num(view.likeCount),
    quoteCount: num(view.quoteCount),
    tags: [...tags],
    mentionCount: features.filter((f) => String(f.$type).endsWith("#mention")).length,
    isReply: isRecord(record.reply),
  };
  if (langs.length > 1) extra.langs = langs;
  if (labels.length) extra.labels = labels;
  if (errors.length) extra.mediaErrors = errors;
  for (const k of Object.keys(extra)) if (extra[k] === undefined) delete extra[k];

  const post: RawPost = {
    platform: "bluesky",
    nativeId: uri,
    createdAt,
    text: typeof record.text === "string" ? record.text : "",
    media,
    user: { id: author.did as string },
    extra,
  };
  const authorCreated = str(author.createdAt) ? new Date(author.createdAt as string) : undefined;
  if (authorCreated && !Number.isNaN(authorCreated.getTime())) post.user.createdAt = authorCreated;
  if (langs[0]) post.lang = langs[0];
  if (str(record.via)) post.device = record.via as string;
  return post;
}

function mediaRefs(embed: unknown, http: HttpClient, options: MapPostViewOptions): MediaRef[] {
  if (!isRecord(embed)) return [];
  const type = String(embed.$type ?? "");
  if (type === "app.bsky.embed.recordWithMedia#view") return mediaRefs(embed.media, http, options);
  if (type === "app.bsky.embed.images#view" && Array.isArray(embed.images)) {
    return embed.images.filter(isRecord).flatMap((img) => {
      const url = str(img.fullsize) ?? str(img.thumb);
      return url
        ? [{ kind: "image" as const, url, ...(str(img.alt) ? { alt: img.alt as string } : {}) }]
        : [];
    });
  }
  if (type === "app.bsky.embed.video#view") {
    const alt = str(embed.alt) ? { alt: embed.alt as string } : {};
    const playlist = str(embed.playlist);
    const thumbnail = str(embed.thumbnail);
    if ((options.video ?? "hls") === "thumbnail" || !playlist) {
      return thumbnail ? [{ kind: "image", url: thumbnail, ...alt }] : [];
    }
    const maxBytes = options.maxVideoBytes ?? 100_000_000;
    return [{
      kind: "video",
      url: playlist,
      ...alt,
      download: () => downloadHls(http, playlist, { maxBytes }),
    }];
  }
  return [];
}

function readPosition(saved: string | undefined): Position {
  if (!saved) return { skip: 0 };
  try {
    const p: unknown = JSON.parse(saved);
    if (isRecord(p)) {
      const skip = typeof p.skip === "number" && p.skip > 0 ? p.skip : 0;
      const newest = dateOf(p.newest)?.toISOString();
      return { cursor: str(p.cursor), skip, newest, top: dateOf(p.top)?.toISOString() };
    }
  } catch {
    // A bare cursor string from an older store.
  }
  return { cursor: saved, skip: 0 };
}

/** createdAt, and sortAt = the earlier of createdAt and indexedAt (how the AppView orders posts). */
function postTime(post: unknown): { createdAt: Date; sortAt: Date } | undefined {
  const createdAt = isRecord(post) && isRecord(post.record) ? dateOf(post.record.createdAt) : undefined;
  if (!createdAt) return undefined;
  const indexedAt = isRecord(post) ? dateOf(post.indexedAt) : undefined;
  return { createdAt, sortAt: indexedAt && indexedAt < createdAt ? indexedAt : createdAt };
}

function dateOf(x: unknown): Date | undefined {
  const date = typeof x === "string" ? new Date(x) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}
