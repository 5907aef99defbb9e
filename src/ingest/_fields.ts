/** Field readers shared by the file importers: each returns a value or throws a message naming the field. */
import { normalizeTagName } from "@/store/mod.ts";
import type { RawMedia, RawPost } from "./raw_post.ts";

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|tiff?|bmp|heic)$/i;
const VIDEO_EXT = /\.(mp4|m4v|mov|webm|mkv|avi|gifv)$/i;

export class FieldError extends Error {
  override name = "FieldError";
}

export function readId(value: unknown, field = "id"): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim()) return value.trim();
  throw new FieldError(`missing ${field}`);
}

/** Times a post or an account can have: from the Unix epoch to 2100 (the store's timestamps hold more). */
export const SANE_TIMES = { from: new Date("1970-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };

export function readDate(value: unknown, field = "created_at"): Date {
  if (value === undefined || value === null || value === "") throw new FieldError(`missing ${field}`);
  const d = typeof value === "number" ? new Date(value) : new Date(String(value));
  const shown = String(value).slice(0, 40);
  if (Number.isNaN(d.getTime())) throw new FieldError(`invalid ${field} "${shown}"`);
  if (d < SANE_TIMES.from || d >= SANE_TIMES.to) {
    throw new FieldError(`invalid ${field} "${shown}": outside 1970-2099`);
  }
  return d;
}

export function optionalDate(value: unknown, field: string): Date | undefined {
  return value === undefined || value === null || value === "" ? undefined : readDate(value, field);
}

export function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw new FieldError(`invalid ${field} "${String(value).slice(0, 40)}"`);
  return n;
}

/** Largest count the store keeps (followers, posts ...): a PostgreSQL integer. */
const MAX_COUNT = 2 ** 31 - 1;

/** A count: a whole number from 0 to 2^31 - 1. */
export function optionalCount(value: unknown, field: string): number | undefined {
  const n = optionalNumber(value, field);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 0 || n > MAX_COUNT) {
    throw new FieldError(
      `invalid ${field} "${String(value).slice(0, 40)}": expected a whole number from 0 to ${MAX_COUNT}`,
    );
  }
  return n;
}

export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  const s = String(value).toLowerCase();
  if (["true", "1", "yes"].includes(s)) return true;
  if (["false", "0", "no"].includes(s)) return false;
  throw new FieldError(`invalid ${field} "${String(value).slice(0, 40)}"`);
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new FieldError(`invalid ${field}: expected text`);
  return value;
}

/**
 * Tags as an array, or one string separated by commas/semicolons/pipes; each trimmed and NFC-normalised,
 * kept as given otherwise. A name that cannot be a tag (see `tagNameProblem`) fails the row.
 */
export function readLabels(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const list = Array.isArray(value) ? value : String(value).split(/[,;|]/);
  const tags: string[] = [];
  for (const t of list) {
    if (typeof t !== "string" && typeof t !== "number") throw new FieldError("invalid label: expected text");
    if (String(t).trim() !== "") tags.push(readTag(String(t)));
  }
  return [...new Set(tags)];
}

/** One tag name, trimmed and NFC-normalised; a FieldError says why it cannot be a tag. */
export function readTag(raw: string): string {
  try {
    return normalizeTagName(raw);
  } catch (err) {
    throw new FieldError((err as Error).message);
  }
}

/**
 * Parses one JSON record, keeping every number written under the key "id" (the post's, the user's) as its
 * source text: ids above 2^53 would otherwise be rounded, and two posts merged into one.
 */
export function parseJsonRecord(text: string): unknown {
  return JSON.parse(text, function (key, value, context?: { source?: string }) {
    return key === "id" && typeof value === "number" && context?.source ? context.source : value;
  });
}

/** The media kind from a declared kind, a MIME type or the file extension. */
export function mediaKind(path: string, declared?: unknown, mime?: string): "image" | "video" {
  if (declared === "image" || declared === "video") return declared;
  if (declared !== undefined && declared !== null && declared !== "") {
    throw new FieldError(`invalid media kind "${String(declared)}" for "${path}": use image or video`);
  }
  if (mime?.startsWith("image/") || IMAGE_EXT.test(path)) return "image";
  if (mime?.startsWith("video/") || VIDEO_EXT.test(path)) return "video";
  throw new FieldError(`cannot tell whether media "${path}" is an image or a video: give "kind"`);
}

export function readMedia(value: unknown): RawMedia[] {
  if (value === undefined || value === null || value === "") return [];
  const list = Array.isArray(value) ? value : String(value).split(";").map((p) => p.trim()).filter(Boolean);
  return list.map((m) => {
    if (typeof m === "string") return { kind: mediaKind(m), path: m };
    if (typeof m !== "object" || m === null) {
      throw new FieldError("invalid media entry: expected a path or an object");
    }
    const o = m as Record<string, unknown>;
    const path = optionalString(o.path, "media path");
    const url = optionalString(o.url, "media url");
    if (!path && !url) throw new FieldError("media entry without path or url");
    const mime = optionalString(o.mime, "media mime");
    return {
      kind: mediaKind(path ?? url!, o.kind, mime),
      path,
      url,
      mime,
      alt: optionalString(o.alt, "media alt"),
    };
  });
}

/** Builds a RawPost from a flat or nested record (JSONL objects, CSV rows). */
export function recordToPost(o: Record<string, unknown>, defaults: { platform: string }): RawPost {
  const user = (typeof o.user === "object" && o.user !== null ? o.user : {}) as Record<string, unknown>;
  const split = optionalString(o.split, "split");
  if (split && !["train", "dev", "test"].includes(split)) throw new FieldError(`invalid split "${split}"`);
  return {
    platform: optionalString(o.platform, "platform") ?? defaults.platform,
    nativeId: readId(o.id),
    createdAt: readDate(o.created_at),
    text: optionalString(o.text, "text"),
    lang: optionalString(o.lang, "lang"),
    media: readMedia(o.media),
    user: {
      id: user.id !== undefined ? readId(user.id, "user.id") : optionalString(o.user_id, "user_id"),
      followers: optionalCount(user.followers ?? o.user_followers, "user.followers"),
      following: optionalCount(user.following ?? o.user_following, "user.following"),
      posts: optionalCount(user.posts ?? o.user_posts, "user.posts"),
      verified: optionalBool(user.verified ?? o.user_verified, "user.verified"),
      createdAt: optionalDate(user.created_at ?? o.user_created_at, "user.created_at"),
    },
    device: optionalString(o.device, "device"),
    extra: typeof o.extra === "object" && o.extra !== null ? o.extra as Record<string, unknown> : undefined,
    labels: readLabels(o.labels),
    annotator: optionalString(o.annotator, "annotator"),
    split: split as RawPost["split"],
  };
}
