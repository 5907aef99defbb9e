import type { Db } from "./db.ts";
import { ensureTags } from "./tags.ts";
import { storableJson } from "./storable.ts";

/** The text document kept with a post (JSONB). */
export interface PostDoc {
  text?: string;
  /** Language the source declared; language id may add `lang_detected` later. */
  lang?: string;
  hashtags?: string[];
  mentions?: string[];
  urls?: string[];
}

export interface MediaRecord {
  position: number;
  kind: "image" | "video";
  blobSha256?: string;
  mime?: string;
  bytes?: number;
  width?: number;
  height?: number;
  durationS?: number;
  alt?: string;
  /** Why the blob is missing (download failed ...); the post is kept. */
  error?: string;
}

export interface LabelRecord {
  tag: string;
  annotator: string;
  /** @default true */
  value?: boolean;
}

/** A post as stored: ids already anonymized. */
export interface PostRecord {
  id: string;
  platform: string;
  source: string;
  /** Absent when the source has no times. */
  createdAt?: Date;
  split?: "train" | "dev" | "test";
  doc: PostDoc;
  userId?: string;
  userFollowers?: number;
  userFollowing?: number;
  userPosts?: number;
  userVerified?: boolean;
  userCreatedAt?: Date;
  device?: string;
  extra?: Record<string, unknown>;
  contentHash: string;
  media: MediaRecord[];
  labels?: LabelRecord[];
}

export interface InsertResult {
  /** Ids newly stored. */
  inserted: string[];
  /** Ids that were already there (same platform + native id): left unchanged. */
  duplicates: string[];
}

/**
 * Stores a batch of posts with their media and labels in one transaction; posts already present are
 * counted as duplicates and left as they were, so a rerun of an import changes nothing.
 */
export async function insertPosts(db: Db, posts: PostRecord[]): Promise<InsertResult> {
  if (posts.length === 0) return { inserted: [], duplicates: [] };
  return await db.transaction(async (tx) => {
    const rows = posts.map((p) => ({
      id: p.id,
      platform: p.platform,
      source: p.source,
      created_at: p.createdAt?.toISOString() ?? null,
      split: p.split ?? null,
      doc: p.doc,
      user_id: p.userId ?? null,
      user_followers: p.userFollowers ?? null,
      user_following: p.userFollowing ?? null,
      user_posts: p.userPosts ?? null,
      user_verified: p.userVerified ?? null,
      user_created_at: p.userCreatedAt?.toISOString() ?? null,
      device: p.device ?? null,
      extra: p.extra ?? {},
      content_hash: p.contentHash,
    }));
    const inserted = await tx.query<{ id: string }>(
      `insert into posts (id, platform, source, created_at, split, doc, user_id, user_followers, user_following,
         user_posts, user_verified, user_created_at, device, extra, content_hash)
       select id, platform, source, created_at, split, doc, user_id, user_followers, user_following,
         user_posts, user_verified, user_created_at, device, extra, content_hash
       from jsonb_to_recordset($1::jsonb) as r(id text, platform text, source text, created_at timestamptz,
         split text, doc jsonb, user_id text, user_followers integer, user_following integer, user_posts integer,
         user_verified boolean, user_created_at timestamptz, device text, extra jsonb, content_hash text)
       on conflict (id) do nothing
       returning id`,
      [storableJson(rows)],
    );
    const insertedIds = new Set(inserted.map((r) => r.id));
    const media = posts.filter((p) => insertedIds.has(p.id)).flatMap((p) =>
      p.media.map((m) => ({
        post_id: p.id,
        position: m.position,
        kind: m.kind,
        blob_sha256: m.blobSha256 ?? null,
        mime: m.mime ?? null,
        bytes: m.bytes ?? null,
        width: m.width ?? null,
        height: m.height ?? null,
        duration_s: m.durationS ?? null,
        alt: m.alt ?? null,
        error: m.error ?? null,
      }))
    );
    if (media.length > 0) {
      await tx.query(
        `insert into media (post_id, position, kind, blob_sha256, mime, bytes, width, height, duration_s, alt, error)
         select * from jsonb_to_recordset($1::jsonb) as r(post_id text, position smallint, kind text,
           blob_sha256 text, mime text, bytes bigint, width integer, height integer, duration_s real, alt text, error text)
         on conflict do nothing`,
        [storableJson(media)],
      );
    }
    const labels = posts.flatMap((p) =>
      (p.labels ?? []).map((l) => ({ ...l, postId: p.id, source: p.source }))
    );
    if (labels.length > 0) await insertLabels(tx, labels);
    const duplicates = posts.filter((p) => !insertedIds.has(p.id)).map((p) => p.id);
    return { inserted: [...insertedIds], duplicates };
  });
}

export interface LabelRow extends LabelRecord {
  postId: string;
  source: string;
  labeledAt?: Date;
}

/** Records labels (creating unknown tags); a label already given by the same annotator is kept as is. */
export async function insertLabels(db: Db, labels: LabelRow[]): Promise<number> {
  if (labels.length === 0) return 0;
  const tagIds = await ensureTags(db, [...new Set(labels.map((l) => l.tag))]);
  const rows = labels.map((l) => ({
    post_id: l.postId,
    tag_id: tagIds.get(l.tag),
    annotator: l.annotator,
    source: l.source,
    value: l.value ?? true,
    labeled_at: (l.labeledAt ?? new Date()).toISOString(),
  }));
  const done = await db.query<{ n: number }>(
    `with ins as (
       insert into labels (post_id, tag_id, annotator, source, value, labeled_at)
       select post_id, tag_id, annotator, source, value, labeled_at
       from jsonb_to_recordset($1::jsonb) as r(post_id text, tag_id integer, annotator text, source text,
         value boolean, labeled_at timestamptz)
       on conflict do nothing returning 1)
     select count(*)::int as n from ins`,
    [storableJson(rows)],
  );
  return done[0].n;
}

/** Which of these post ids exist (labels-only imports check their targets). */
export async function existingPostIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: string }>("select id from posts where id = any($1::text[])", [ids]);
  return new Set(rows.map((r) => r.id));
}
