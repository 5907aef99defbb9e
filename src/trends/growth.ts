/**
 * Popularity growth per tag between two equal periods (the last `days` days against the `days` before),
 * with confidence figures so that tiny counts do not top the list: Wilson intervals of both shares, the
 * pooled two-proportion z-score, and an additively smoothed growth ratio. Tags are ranked by the
 * conservative growth: the current share's Wilson lower bound over the previous share's upper bound.
 */
import type { Db } from "@/store/mod.ts";
import { addDays, filterSql, toDay } from "./_filter.ts";
import { type Interval, smoothedShare, twoProportionZ, wilsonInterval, Z95 } from "./stats.ts";

export interface GrowthOptions {
  /** Last day of the current period. @default the latest day with sampled posts */
  to?: string;
  /** Length of each period in days. @default 30 */
  days?: number;
  platform?: string;
  lang?: string;
  /** Leave out tags with fewer tagged posts than this over both periods. @default 5 */
  minCount?: number;
  /** Additive smoothing of the growth ratio. @default 1 */
  alpha?: number;
  /** Normal quantile of the intervals. @default 1.96 (95%) */
  z?: number;
  /** Keep the first `limit` rows. @default all */
  limit?: number;
}

export interface PeriodShare extends Interval {
  tagged: number;
  posts: number;
  share: number;
}

export interface GrowthRow {
  tag: string;
  current: PeriodShare;
  previous: PeriodShare;
  /** smoothed current share / smoothed previous share. */
  growth: number;
  /** Wilson low of the current share / Wilson high of the previous share: the ranking figure. */
  conservativeGrowth: number;
  /** Two-proportion z-score of current vs previous share. */
  z: number;
}

export interface Growth {
  current: { from: string; to: string; posts: number };
  previous: { from: string; to: string; posts: number };
  tags: GrowthRow[];
}

export async function tagGrowth(db: Db, options: GrowthOptions = {}): Promise<Growth> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`Cannot compute growth over "${days}" days: expected a positive integer`);
  }
  let to = options.to ? toDay(options.to) : undefined;
  if (!to) {
    const last = await db.query<{ d: string | null }>(
      "select to_char(max(day), 'YYYY-MM-DD') as d from sampled_daily",
    );
    to = last[0]?.d ?? new Date().toISOString().slice(0, 10);
  }
  const current = { from: addDays(to, -days + 1), to };
  const previous = { from: addDays(to, -2 * days + 1), to: addDays(to, -days) };
  const f = { from: previous.from, to: current.to, platform: options.platform, lang: options.lang };
  const pParams: unknown[] = [current.from];
  const posts = await db.query<{ cur: boolean; posts: number }>(
    `select day >= $1::date as cur, sum(posts)::int as posts from sampled_daily
     where ${filterSql(f, pParams)} group by 1`,
    pParams,
  );
  const n1 = posts.find((r) => r.cur)?.posts ?? 0;
  const n2 = posts.find((r) => !r.cur)?.posts ?? 0;
  const tParams: unknown[] = [current.from];
  const rows = await db.query<{ tag: string; a: number; b: number }>(
    `select t.name as tag,
            coalesce(sum(d.tagged) filter (where d.day >= $1::date), 0)::int as a,
            coalesce(sum(d.tagged) filter (where d.day < $1::date), 0)::int as b
     from tag_daily d join tags t on t.id = d.tag_id
     where ${filterSql(f, tParams, "d")} group by 1`,
    tParams,
  );
  const minCount = options.minCount ?? 5;
  const alpha = options.alpha ?? 1;
  const z = options.z ?? Z95;
  const share = (x: number, n: number): PeriodShare => ({
    tagged: x,
    posts: n,
    share: n > 0 ? x / n : 0,
    ...wilsonInterval(x, n, { z }),
  });
  let tags = rows.filter((r) => r.a + r.b >= minCount).map((r): GrowthRow => {
    const cur = share(r.a, n1);
    const prev = share(r.b, n2);
    return {
      tag: r.tag,
      current: cur,
      previous: prev,
      growth: smoothedShare(r.a, n1, alpha) / smoothedShare(r.b, n2, alpha),
      conservativeGrowth: prev.high > 0 ? cur.low / prev.high : 0,
      z: twoProportionZ(r.a, n1, r.b, n2),
    };
  });
  tags.sort((a, b) => b.conservativeGrowth - a.conservativeGrowth || b.z - a.z || a.tag.localeCompare(b.tag));
  if (options.limit !== undefined) tags = tags.slice(0, options.limit);
  return { current: { ...current, posts: n1 }, previous: { ...previous, posts: n2 }, tags };
}
