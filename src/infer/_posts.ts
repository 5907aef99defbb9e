/** Reads the sampled posts with their media by id (an index lookup per post; labels are not needed). */
import type { DatasetPost, Db } from "@/store/mod.ts";

export async function readPostsById(db: Db, ids: string[]): Promise<DatasetPost[]> {
  if (ids.length === 0) return [];
  return await db.query<DatasetPost & Record<string, unknown>>(
    `select p.id, p.platform, p.source, p.created_at, p.split, p.doc, p.user_followers, p.user_following,
       p.user_posts, p.user_verified, p.user_created_at, p.device, p.content_hash,
       coalesce((select json_agg(json_build_object('position', m.position, 'kind', m.kind,
         'blob_sha256', m.blob_sha256, 'mime', m.mime, 'error', m.error) order by m.position)
         from media m where m.post_id = p.id), '[]'::json) as media,
       '[]'::json as tags
     from posts p where p.id = any($1::text[]) order by p.id`,
    [ids],
  );
}
