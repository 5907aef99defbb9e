/** A post as the labeling page shows it: text, media, the model's probability for every tag, the labels so far. */
import { readDataset } from "@/store/mod.ts";
import type { Db } from "@/store/mod.ts";

export interface Suggestion {
  tag: string;
  probability: number;
  /** The model predicted the tag (its probability reached the tag's threshold). */
  predicted: boolean;
}

export interface PostMedia {
  position: number;
  kind: "image" | "video";
  /** The stored blob's sha256; null when the file could not be fetched at ingest. */
  sha256: string | null;
  mime: string | null;
  error: string | null;
}

export interface PostView {
  id: string;
  platform: string;
  createdAt: string | null;
  lang: string | null;
  text: string;
  hashtags: string[];
  media: PostMedia[];
  /** From the latest inference run that scored the post, most probable first; empty when none did. */
  suggestions: Suggestion[];
  /** The model version behind the suggestions. */
  modelVersion: string | null;
  /** Tags other people gave (second-opinion and disagreement queues show them only once answered). */
  labeledBy: number;
}

export async function postView(db: Db, postId: string): Promise<PostView | undefined> {
  const [post] = await readDataset(db, { ids: [postId] });
  if (!post) return undefined;
  const scored = await db.query<
    { tag: string; probability: number; predicted: boolean; model_version: string }
  >(
    `with latest as (
       select pr.run_id from predictions pr join runs r on r.id = pr.run_id where pr.post_id = $1
       order by r.started_at desc, pr.run_id desc limit 1)
     select t.name as tag, pr.probability, pr.predicted, pr.model_version
     from predictions pr join latest using (run_id) join tags t on t.id = pr.tag_id
     where pr.post_id = $1 order by pr.probability desc, t.name`,
    [postId],
  );
  const people = await db.query<{ n: number }>(
    "select count(distinct annotator)::int as n from labels where post_id = $1 and annotator <> 'source'",
    [postId],
  );
  return {
    id: post.id,
    platform: post.platform,
    createdAt: post.created_at ? new Date(post.created_at).toISOString() : null,
    lang: post.doc.lang_detected ?? post.doc.lang ?? null,
    text: post.doc.text ?? "",
    hashtags: post.doc.hashtags ?? [],
    media: post.media.map((m) => ({
      position: m.position,
      kind: m.kind,
      sha256: m.blob_sha256,
      mime: m.mime,
      error: m.error,
    })),
    suggestions: scored.map((s) => ({
      tag: s.tag,
      probability: Number(s.probability),
      predicted: s.predicted,
    })),
    modelVersion: scored[0]?.model_version ?? null,
    labeledBy: people[0]?.n ?? 0,
  };
}

/** The media type of a stored blob as ingest recorded it; undefined when no post references that blob. */
export async function blobMime(
  db: Db,
  sha256: string,
): Promise<{ mime: string | null; kind: string } | undefined> {
  const rows = await db.query<{ mime: string | null; kind: string }>(
    "select mime, kind from media where blob_sha256 = $1 order by mime nulls last limit 1",
    [sha256],
  );
  return rows[0];
}
