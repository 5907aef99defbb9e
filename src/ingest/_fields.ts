/** Field readers shared by the file importers: each returns a value or throws a message naming the field. */
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

export function readDate(value: unknown, field = "created_at"): Date {
  if (value === undefined || value === null || value === "") throw new FieldError(`missing ${field}`);
  const d = typeof value === "number" ? new Date(value) : new Date(String(value));
  if (Number.isNaN(d.getTime())) throw new FieldError(`invalid ${field} "${String(value).slice(0, 40)}"`);
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

/** Tags as an array, or one string separated by commas/semicolons/pipes. */
export function readLabels(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const list = Array.isArray(value) ? value : String(value).split(/[,;|]/);
  const tags = list.map((t) => String(t).trim()).filter(Boolean);
  return [...new Set(tags)];
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
      followers: optionalNumber(user.followers ?? o.user_followers, "user.followers"),
      following: optionalNumber(user.following ?? o.user_following, "user.following"),
      posts: optionalNumber(user.posts ?? o.user_posts, "user.posts"),
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
