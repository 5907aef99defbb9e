import type { RawPost } from "./raw_post.ts";

/** What a source yields: a post, or an item it could not read, with where it was and why. */
export type SourceItem =
  | { kind: "post"; post: RawPost; where: string }
  | { kind: "skip"; where: string; reason: string; nativeId?: string };

export const post = (p: RawPost, where: string): SourceItem => ({ kind: "post", post: p, where });
export const skip = (where: string, reason: string, nativeId?: string): SourceItem => ({
  kind: "skip",
  where,
  reason,
  nativeId,
});
