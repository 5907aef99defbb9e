/** Reads posts with their media and labels, as the preprocessing, training and inference stages need them. */
import type { Db } from "./db.ts";
import type { PostDoc } from "./posts.ts";

export interface DatasetMedia {
  position: number;
  kind: "image" | "video";
  blob_sha256: string | null;
  mime: string | null;
  error: string | null;
}

export interface DatasetPost {
  id: string;
  platform: string;
  source: string;
  created_at: Date | null;
  split: "train" | "dev" | "test" | null;
  doc: PostDoc & { lang_detected?: string };
  user_followers: number | null;
  user_following: number | null;
  user_posts: number | null;
  user_verified: boolean | null;
  user_created_at: Date | null;
  device: string | null;
  content_hash: string;
  media: DatasetMedia[];
  /**
   * Tag names given by any annotator (value true). Empty for unlabeled posts, and for a labeled post whose
   * every label is false ("none of these" on the labeling page): a negative for every tag.
   */
  tags: string[];
}

export interface DatasetQuery {
  /** Only posts created at or after this (posts without time are kept). */
  since?: Date;
  until?: Date;
  /** Only this source. */
  source?: string;
  /**
   * Only labeled posts (training) or only unlabeled ones. A post is labeled once any annotator gave it any
   * label, true or false: an all-false answer ("none of these") is a label too.
   */
  labeled?: boolean;
  /** Only these ids. */
  ids?: string[];
}

export async function readDataset(db: Db, q: DatasetQuery = {}): Promise<DatasetPost[]> {
  // Tables never analyzed (reltuples < 0) get statistics first: see analyzeTables.
  const stale = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_class where relname in ('posts', 'media', 'labels') and reltuples < 0",
  );
  if (stale[0].n > 0) await analyzeTables(db);
  return await db.query<DatasetPost & Record<string, unknown>>(
    `with m as (
       select post_id, json_agg(json_build_object('position', position, 'kind', kind, 'blob_sha256', blob_sha256,
         'mime', mime, 'error', error) order by position) as media
       from media group by post_id),
     l as (
       select l.post_id,
         coalesce(json_agg(distinct t.name order by t.name) filter (where l.value), '[]'::json) as tags
       from labels l join tags t on t.id = l.tag_id group by l.post_id)
     select p.id, p.platform, p.source, p.created_at, p.split, p.doc, p.user_followers, p.user_following,
       p.user_posts, p.user_verified, p.user_created_at, p.device, p.content_hash,
       coalesce(m.media, '[]'::json) as media, coalesce(l.tags, '[]'::json) as tags
     from posts p left join m on m.post_id = p.id left join l on l.post_id = p.id
     where ($1::timestamptz is null or p.created_at is null or p.created_at >= $1)
       and ($2::timestamptz is null or p.created_at is null or p.created_at < $2)
       and ($3::text is null or p.source = $3)
       and ($4::boolean is null or $4 = (l.post_id is not null))
       and ($5::text[] is null or p.id = any($5))
     order by p.created_at nulls first, p.id`,
    [
      q.since?.toISOString() ?? null,
      q.until?.toISOString() ?? null,
      q.source ?? null,
      q.labeled ?? null,
      q.ids ?? null,
    ],
  );
}

/**
 * Refreshes planner statistics of the tables bulk jobs fill. PGlite runs no autovacuum, and without
 * statistics the planner mistakes 50,000 rows for a few hundred and picks plans that never finish.
 */
export async function analyzeTables(db: Db, tables = ["posts", "media", "labels", "tags"]): Promise<void> {
  for (const t of tables) {
    if (!/^[a-z_]+$/.test(t)) throw new TypeError(`Cannot analyze table "${t}": not a table name`);
    await db.exec(`analyze ${t}`);
  }
}
