/**
 * Rebuilds the trend aggregates (sampled_daily, tag_daily, tag_pair_daily) for a range of days from the
 * latest prediction of each post: a post scored by several runs counts once, with the newest run's
 * prediction (runs that failed are ignored). The inference job calls this right after writing predictions.
 */
import type { Db } from "@/store/mod.ts";
import { toDay } from "./_filter.ts";

export interface RefreshOptions {
  /** First UTC day to rebuild (inclusive). @default the earliest post */
  from?: Date | string;
  /** Last UTC day to rebuild (inclusive). @default the latest post */
  to?: Date | string;
}

export interface RefreshSummary {
  from: string | null;
  to: string | null;
  /** Sampled posts counted in the range. */
  posts: number;
  sampledRows: number;
  tagRows: number;
  pairRows: number;
  ms: number;
  /** Id of this refresh in trend_refreshes (grows with each refresh). */
  generation: number;
}

/** The id of the newest refresh (0 when never refreshed): caches of trend results key on it. */
export async function aggregatesGeneration(db: Db): Promise<number> {
  const rows = await db.query<{ g: number }>("select coalesce(max(id), 0)::int as g from trend_refreshes");
  return rows[0]?.g ?? 0;
}

const LOCK_KEY = 724_302; // serializes concurrent refreshers on one server

/** Recomputes the aggregates of the days in range inside one transaction. */
export async function refreshAggregates(db: Db, options: RefreshOptions = {}): Promise<RefreshSummary> {
  const from = options.from === undefined ? null : toDay(options.from);
  const to = options.to === undefined ? null : toDay(options.to);
  if (from && to && from > to) {
    throw new RangeError(`Cannot refresh aggregates from "${from}" to "${to}": the range is empty`);
  }
  const t0 = performance.now();
  const range = [from, to];
  const dayRange = `($1::date is null or day >= $1::date) and ($2::date is null or day <= $2::date)`;
  return await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    for (const table of ["sampled_daily", "tag_daily", "tag_pair_daily"]) {
      await tx.query(`delete from ${table} where ${dayRange}`, range);
    }
    await tx.exec("drop table if exists _trend_latest; drop table if exists _trend_tagged");
    // The latest run of each post in range (distinct pairs first: a post has one row per tag and run).
    await tx.query(
      `create temp table _trend_latest on commit drop as
       with pairs as (
         select distinct pr.post_id, pr.run_id
         from posts po join predictions pr on pr.post_id = po.id
         where po.created_at is not null
           and ($1::date is null or po.created_at >= ($1::date)::timestamp at time zone 'UTC')
           and ($2::date is null or po.created_at < ($2::date + 1)::timestamp at time zone 'UTC')
       )
       select distinct on (pairs.post_id) pairs.post_id, pairs.run_id,
              (po.created_at at time zone 'UTC')::date as day, po.platform,
              coalesce(nullif(po.doc ->> 'lang', ''), 'und') as lang
       from pairs join runs r on r.id = pairs.run_id join posts po on po.id = pairs.post_id
       where r.status <> 'failed'
       order by pairs.post_id, r.started_at desc, r.id desc`,
      range,
    );
    await tx.exec("analyze _trend_latest"); // temp tables have no statistics until analyzed
    const sampled = await tx.query<{ n: number; posts: number }>(
      `with ins as (
         insert into sampled_daily (day, platform, lang, posts)
         select day, platform, lang, count(*)::int from _trend_latest group by 1, 2, 3
         returning posts
       ) select count(*)::int as n, coalesce(sum(posts), 0)::int as posts from ins`,
    );
    await tx.query(
      `create temp table _trend_tagged on commit drop as
       select l.post_id, l.day, l.platform, l.lang, pr.tag_id, pr.probability, pr.predicted
       from _trend_latest l join predictions pr on pr.run_id = l.run_id and pr.post_id = l.post_id`,
    );
    await tx.exec("analyze _trend_tagged");
    const tags = await tx.query<{ n: number }>(
      `with ins as (
         insert into tag_daily (day, tag_id, platform, lang, tagged, prob_sum)
         select day, tag_id, platform, lang, (count(*) filter (where predicted))::int, sum(probability)::real
         from _trend_tagged group by 1, 2, 3, 4
         returning 1
       ) select count(*)::int as n from ins`,
    );
    const pairs = await tx.query<{ n: number }>(
      `with t as (select post_id, day, platform, lang, tag_id from _trend_tagged where predicted),
       ins as (
         insert into tag_pair_daily (day, tag_a, tag_b, platform, lang, posts)
         select a.day, a.tag_id, b.tag_id, a.platform, a.lang, count(*)::int
         from t a join t b on a.post_id = b.post_id and a.tag_id < b.tag_id
         group by 1, 2, 3, 4, 5
         returning 1
       ) select count(*)::int as n from ins`,
    );
    await tx.exec("drop table if exists _trend_latest; drop table if exists _trend_tagged");
    const posts = sampled[0]?.posts ?? 0;
    const gen = await tx.query<{ id: number }>(
      "insert into trend_refreshes (from_day, to_day, posts) values ($1, $2, $3) returning id::int as id",
      [from, to, posts],
    );
    return {
      from,
      to,
      posts,
      sampledRows: sampled[0]?.n ?? 0,
      tagRows: tags[0]?.n ?? 0,
      pairRows: pairs[0]?.n ?? 0,
      ms: performance.now() - t0,
      generation: gen[0].id,
    };
  });
}
