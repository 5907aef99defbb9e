/**
 * Rebuilds the trend aggregates (sampled_daily, tag_daily, tag_pair_daily) for a range of days from the
 * latest prediction of each post: a post scored by several runs counts once, with the newest run's
 * prediction (runs that failed are ignored); then the period rollups the routes read (per day, week and
 * month, see _periods.ts) for the weeks and months the range touches, the whole series of each bucket and
 * breakdown (trend_series, see _series_store.ts), and trend_posts (each post's latest run, for top posts).
 * The inference job calls this right after writing predictions.
 */
import type { Db } from "@/store/mod.ts";
import { givenConditions, toDay } from "./_filter.ts";
import { refreshPeriods } from "./_refresh_periods.ts";
import { refreshSeries } from "./_series_store.ts";

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
  /** Rows written to the period rollups (trend_periods). */
  periodRows: number;
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
  const dayParams: unknown[] = [];
  const dayRange = givenConditions([["day >= ?::date", from], ["day <= ?::date", to]], dayParams);
  const postParams: unknown[] = [];
  const postRange = givenConditions([
    ["po.created_at >= (?::date)::timestamp at time zone 'UTC'", from],
    ["po.created_at < (?::date + 1)::timestamp at time zone 'UTC'", to],
  ], postParams);
  return await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    // A bounded refresh (an inference run's days) reads a few thousand rows through indexes; PostgreSQL's
    // parallel plans for it start workers that cost more than the work (seen: 150 ms of 250 at 10M rows).
    if (from !== null || to !== null) await tx.exec("set local max_parallel_workers_per_gather = 0");
    for (const table of ["sampled_daily", "tag_daily", "tag_pair_daily", "trend_posts"]) {
      await tx.query(`delete from ${table} where ${dayRange}`, dayParams);
    }
    await tx.exec("drop table if exists _trend_latest; drop table if exists _trend_tagged");
    // The latest run of each post in range. Per post (LATERAL) through predictions_post: a join lets
    // the planner scan all of predictions, since a post's rows look scattered to its statistics (ids are
    // hashes) although they lie together (seen: 7.6 s instead of 0.2 s for a week at 10M rows).
    await tx.query(
      `create temp table _trend_latest on commit drop as
       select po.id as post_id, latest.run_id, (po.created_at at time zone 'UTC')::date as day, po.platform,
              coalesce(nullif(po.doc ->> 'lang', ''), 'und') as lang
       from posts po cross join lateral (
         select pr.run_id from predictions pr join runs r on r.id = pr.run_id
         where pr.post_id = po.id and r.status <> 'failed'
         order by r.started_at desc, r.id desc limit 1
       ) latest
       where po.created_at is not null and ${postRange}`,
      postParams,
    );
    await tx.exec("analyze _trend_latest"); // temp tables have no statistics until analyzed
    // (A post whose time changed since the last refresh moves to its new day.)
    await tx.exec(
      `insert into trend_posts (post_id, run_id, day, platform, lang)
       select post_id, run_id, day, platform, lang from _trend_latest
       on conflict (post_id) do update
         set run_id = excluded.run_id, day = excluded.day, platform = excluded.platform, lang = excluded.lang`,
    );
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
       from _trend_latest l cross join lateral (
         select tag_id, probability, predicted from predictions pr
         where pr.run_id = l.run_id and pr.post_id = l.post_id
       ) pr`,
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
    const periodRows = await refreshPeriods(tx, from, to);
    await refreshSeries(tx, from, to);
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
      periodRows,
      ms: performance.now() - t0,
      generation: gen[0].id,
    };
  });
}
