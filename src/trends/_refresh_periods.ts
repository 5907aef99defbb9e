/**
 * Rebuilds the period rollups (trend_periods) after the daily aggregates of a range of days changed.
 * Day rows are summed again from the daily aggregates. Week and month rows are summed whole from the
 * daily aggregates after a refresh of many days; after a short one (an inference run's day or two) they
 * get the difference of the refreshed days instead — new day rows minus old — so that refreshing one day
 * does not re-sum its whole month (seen: 1.2 of 1.4 s at 10M predictions).
 */
import type { Db } from "@/store/mod.ts";
import { addDays, givenConditions } from "./_filter.ts";
import { type Bucket, nextPeriod, periodStart } from "./_periods.ts";

/** Refreshes of at most this many days update weeks and months by difference. */
const DELTA_MAX_DAYS = 31;

/** Every breakdown in one pass; '*' where grouping() says the column was summed over. */
const BREAKDOWN = `case when grouping(platform) = 1 then '*' else platform end as platform,
                   case when grouping(lang) = 1 then '*' else lang end as lang`;
const GROUPING = "grouping sets ((platform, lang), (platform), (lang), ())";

/**
 * `from`/`to`: the refreshed days (inclusive; null: unbounded). Runs inside the refresh's transaction,
 * after the daily aggregates were rebuilt; returns the rollup rows written.
 */
export async function refreshPeriods(tx: Db, from: string | null, to: string | null): Promise<number> {
  const short = from !== null && to !== null && addDays(from, DELTA_MAX_DAYS - 1) >= to;
  if (!short) {
    let written = 0;
    for (const bucket of ["day", "week", "month"] as Bucket[]) {
      written += await resum(tx, bucket, from && periodStart(bucket, from), to && nextPeriod(bucket, to));
    }
    return written;
  }
  const before = await dayRows(tx, from, to);
  const written = await resum(tx, "day", from, addDays(to, 1));
  return written + await applyDifference(tx, before, await dayRows(tx, from, to));
}

/** Replaces the rows of `bucket` for the periods starting in [start, until) by sums of the daily rows. */
async function resum(tx: Db, bucket: Bucket, start: string | null, until: string | null): Promise<number> {
  const deleteParams: unknown[] = [bucket];
  const periods = givenConditions([["period >= ?::date", start], ["period < ?::date", until]], deleteParams);
  await tx.query(`delete from trend_periods where bucket = $1 and ${periods}`, deleteParams);
  const params: unknown[] = [bucket];
  const days = givenConditions([["day >= ?::date", start], ["day < ?::date", until]], params);
  const daily = (columns: string, table: string) =>
    `(select date_trunc($1, day::timestamp)::date as period, ${columns} from ${table} where ${days}) d`;
  const rows = await tx.query<{ n: number }>(
    `with s as (
       select period, ${BREAKDOWN}, sum(posts)::int as posts
       from ${daily("platform, lang, posts", "sampled_daily")}
       group by period, ${GROUPING}
     ), t as (
       select period, platform, lang,
              coalesce(jsonb_object_agg(tag_id::text, tagged) filter (where tagged > 0), '{}') as tags,
              coalesce(jsonb_object_agg(tag_id::text, milli) filter (where milli > 0), '{}') as probs
       from (select period, tag_id, ${BREAKDOWN}, sum(tagged)::int as tagged, sum(milli)::bigint as milli
             from ${
      daily("tag_id, platform, lang, tagged, round(prob_sum * 1000)::bigint as milli", "tag_daily")
    }
             group by period, tag_id, ${GROUPING}) x
       group by 1, 2, 3
     ), p as (
       select period, platform, lang, jsonb_object_agg(pair, posts) as pairs
       from (select period, tag_a || ',' || tag_b as pair, ${BREAKDOWN}, sum(posts)::int as posts
             from ${daily("tag_a, tag_b, platform, lang, posts", "tag_pair_daily")}
             group by period, tag_a, tag_b, ${GROUPING}) x
       group by 1, 2, 3
     ), ins as (
       insert into trend_periods (bucket, platform, lang, period, posts, tags, probs, pairs)
       select $1, s.platform, s.lang, s.period, s.posts, coalesce(t.tags, '{}'), coalesce(t.probs, '{}'),
              coalesce(p.pairs, '{}')
       from s left join t using (period, platform, lang) left join p using (period, platform, lang)
       returning 1
     ) select count(*)::int as n from ins`,
    params,
  );
  return rows[0]?.n ?? 0;
}

interface Rollup {
  bucket: Bucket;
  platform: string;
  lang: string;
  period: string;
  posts: number;
  tags: Record<string, number>;
  probs: Record<string, number>;
  pairs: Record<string, number>;
}

/** The day rows of every breakdown for the days [from, to]. */
function dayRows(tx: Db, from: string, to: string): Promise<Rollup[]> {
  return tx.query<Rollup & Record<string, unknown>>(
    `select bucket, platform, lang, to_char(period, 'YYYY-MM-DD') as period, posts, tags, probs, pairs
     from trend_periods where bucket = 'day' and period >= $1::date and period <= $2::date`,
    [from, to],
  );
}

/** Adds `sign` times the counts of `from` into `into`. */
function add(into: Record<string, number>, from: Record<string, number>, sign: number): void {
  for (const k in from) into[k] = (into[k] ?? 0) + sign * from[k];
}

/** Week and month rows plus (new day rows - old day rows); rows left without posts are deleted. */
async function applyDifference(tx: Db, before: Rollup[], after: Rollup[]): Promise<number> {
  const changed = new Map<string, Rollup>();
  for (const [rows, sign] of [[before, -1], [after, 1]] as const) {
    for (const r of rows) {
      for (const bucket of ["week", "month"] as Bucket[]) {
        const period = periodStart(bucket, r.period);
        const key = `${bucket} ${r.platform} ${r.lang} ${period}`;
        let d = changed.get(key);
        if (!d) changed.set(key, d = { ...r, bucket, period, posts: 0, tags: {}, probs: {}, pairs: {} });
        d.posts += sign * r.posts;
        add(d.tags, r.tags, sign);
        add(d.probs, r.probs, sign);
        add(d.pairs, r.pairs, sign);
      }
    }
  }
  if (changed.size === 0) return 0;
  const keys = JSON.stringify([...changed.values()].map(({ bucket, platform, lang, period }) => ({
    bucket,
    platform,
    lang,
    period,
  })));
  const current = await tx.query<Rollup & Record<string, unknown>>(
    `select t.bucket, t.platform, t.lang, to_char(t.period, 'YYYY-MM-DD') as period, t.posts, t.tags, t.probs,
            t.pairs
     from trend_periods t
     join jsonb_to_recordset($1::jsonb) k(bucket text, platform text, lang text, period date)
       on t.bucket = k.bucket and t.platform = k.platform and t.lang = k.lang and t.period = k.period`,
    [keys],
  );
  for (const c of current) {
    const d = changed.get(`${c.bucket} ${c.platform} ${c.lang} ${c.period}`)!;
    d.posts += c.posts;
    add(d.tags, c.tags, 1);
    add(d.probs, c.probs, 1);
    add(d.pairs, c.pairs, 1);
  }
  const positive = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
  const rows = [...changed.values()].map((d) => ({
    ...d,
    tags: positive(d.tags),
    probs: positive(d.probs),
    pairs: positive(d.pairs),
  }));
  await tx.query(
    `delete from trend_periods t using jsonb_to_recordset($1::jsonb) k(bucket text, platform text, lang text, period date)
     where t.bucket = k.bucket and t.platform = k.platform and t.lang = k.lang and t.period = k.period`,
    [keys],
  );
  const kept = rows.filter((r) => r.posts > 0);
  if (kept.length > 0) {
    await tx.query(
      `insert into trend_periods (bucket, platform, lang, period, posts, tags, probs, pairs)
       select bucket, platform, lang, period, posts, tags, probs, pairs
       from jsonb_to_recordset($1::jsonb)
         k(bucket text, platform text, lang text, period date, posts int, tags jsonb, probs jsonb, pairs jsonb)`,
      [JSON.stringify(kept)],
    );
  }
  return kept.length;
}
