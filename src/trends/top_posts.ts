/**
 * The posts most confidently carrying a tag, from each post's latest prediction. Reads predictions
 * through the index on (tag_id, probability desc) instead of the aggregates.
 */
import type { Db } from "@/store/mod.ts";
import { toDay, type TrendFilter, UnknownTagError } from "./_filter.ts";

export interface TopPostsOptions extends TrendFilter {
  /** How many posts. @default 10 */
  limit?: number;
  /** Characters of text to return. @default 160 */
  snippetLength?: number;
}

export interface TopPost {
  /** The anonymized post id (HMAC), never the platform's id. */
  id: string;
  probability: number;
  createdAt: string;
  platform: string;
  lang: string;
  snippet: string;
  runId: string;
  modelVersion: string;
}

/** Throws UnknownTagError when no tag has that name. */
export async function topPosts(db: Db, tag: string, options: TopPostsOptions = {}): Promise<TopPost[]> {
  const found = await db.query<{ id: number }>("select id from tags where name = $1", [tag]);
  if (found.length === 0) throw new UnknownTagError(`Cannot find tag "${tag}": no tag has that name`);
  const params: unknown[] = [
    found[0].id,
    options.limit ?? 10,
    options.snippetLength ?? 160,
    options.from ? toDay(options.from) : null,
    options.to ? toDay(options.to) : null,
    options.platform ?? null,
    options.lang ?? null,
  ];
  const rows = await db.query<Omit<TopPost, "createdAt"> & { createdAt: Date }>(
    `select pr.post_id as id, pr.probability, po.created_at as "createdAt", po.platform,
            coalesce(nullif(po.doc ->> 'lang', ''), 'und') as lang,
            left(coalesce(po.doc ->> 'text', ''), $3) as snippet, pr.run_id as "runId",
            pr.model_version as "modelVersion"
     from predictions pr
     join runs r on r.id = pr.run_id
     join posts po on po.id = pr.post_id
     where pr.tag_id = $1 and pr.predicted and r.status <> 'failed' and po.created_at is not null
       and ($4::date is null or po.created_at >= ($4::date)::timestamp at time zone 'UTC')
       and ($5::date is null or po.created_at < ($5::date + 1)::timestamp at time zone 'UTC')
       and ($6::text is null or po.platform = $6)
       and ($7::text is null or coalesce(nullif(po.doc ->> 'lang', ''), 'und') = $7)
       and not exists (
         select 1 from predictions p2 join runs r2 on r2.id = p2.run_id
         where p2.post_id = pr.post_id and r2.status <> 'failed'
           and (r2.started_at > r.started_at or (r2.started_at = r.started_at and r2.id > r.id)))
     order by pr.probability desc, pr.post_id
     limit $2`,
    params,
  );
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}
