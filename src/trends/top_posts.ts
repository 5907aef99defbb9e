/**
 * The posts most confidently carrying a tag, from each post's latest prediction as of the last refresh
 * of the aggregates (trend_posts), like every other trend figure.
 */
import type { Db } from "@/store/mod.ts";
import { givenConditions, toDay, type TrendFilter, UnknownTagError } from "./_filter.ts";

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
  const params: unknown[] = [found[0].id, options.limit ?? 10, options.snippetLength ?? 160];
  const where = givenConditions([
    ["tp.day >= ?::date", options.from ? toDay(options.from) : undefined],
    ["tp.day <= ?::date", options.to ? toDay(options.to) : undefined],
    ["tp.platform = ?", options.platform],
    ["tp.lang = ?", options.lang],
  ], params);
  // trend_posts names each post's latest run. PostgreSQL walks the tag's index of predicted rows by
  // probability when the filter keeps many posts, and the filter's posts (by day or breakdown) when it
  // keeps few. Without parallel workers: they run far ahead of the LIMIT (seen: 6,000 candidates looked
  // up instead of 130, 0.8 s instead of 15 ms at 10M predictions).
  const rows = await db.transaction(async (tx) => {
    await tx.exec("set local max_parallel_workers_per_gather = 0");
    return await tx.query<Omit<TopPost, "createdAt"> & { createdAt: Date }>(
      `select pr.post_id as id, pr.probability, po.created_at as "createdAt", po.platform, tp.lang,
              left(coalesce(po.doc ->> 'text', ''), $3) as snippet, pr.run_id as "runId",
              pr.model_version as "modelVersion"
       from trend_posts tp
       join predictions pr on pr.run_id = tp.run_id and pr.post_id = tp.post_id and pr.tag_id = $1
       join posts po on po.id = tp.post_id
       where pr.predicted and ${where}
       order by pr.probability desc, pr.post_id
       limit $2`,
      params,
    );
  });
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}
