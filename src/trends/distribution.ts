/** Share of sampled posts carrying each tag, per day, week or month. */
import type { Db } from "@/store/mod.ts";
import { filterSql, type TrendFilter } from "./_filter.ts";

export type Bucket = "day" | "week" | "month";

export interface DistributionOptions extends TrendFilter {
  /** Period length; weeks start on Monday. @default "week" */
  bucket?: Bucket;
  /** Only these tags (by name). @default every tag predicted at least once in range */
  tags?: string[];
  /** Keep the `limit` tags with the most tagged posts over the range. @default all */
  limit?: number;
}

export interface TagSeries {
  tag: string;
  /** Tagged posts over the whole range. */
  tagged: number;
  /** Tagged posts per period, aligned with `Distribution.periods`. */
  counts: number[];
  /** counts / the period's posts (0 when it has none), aligned with `Distribution.periods`. */
  shares: number[];
  /**
   * The mean calibrated probability per period: the share estimate the quality benchmark found closest
   * to the true shares (data/bench/quality.json, `share_error`), since a tag's decisions are tuned for
   * F0.5 (precision first) and so undercount it.
   */
  expected_shares: number[];
}

export interface Distribution {
  bucket: Bucket;
  periods: { period: string; posts: number }[];
  series: TagSeries[];
}

/** Tag shares per period from the aggregates; periods without sampled posts are left out. */
export async function tagDistribution(db: Db, options: DistributionOptions = {}): Promise<Distribution> {
  const bucket = options.bucket ?? "week";
  const pParams: unknown[] = [bucket];
  const periods = await db.query<{ period: string; posts: number }>(
    `select to_char(date_trunc($1, day::timestamp), 'YYYY-MM-DD') as period, sum(posts)::int as posts
     from sampled_daily where ${filterSql(options, pParams)} group by 1 order by 1`,
    pParams,
  );
  const tParams: unknown[] = [bucket];
  const where = filterSql(options, tParams, "d");
  let tagCond = "";
  if (options.tags) {
    tParams.push(options.tags);
    tagCond = ` and t.name = any($${tParams.length}::text[])`;
  }
  const rows = await db.query<{ period: string; tag: string; tagged: number; prob: number }>(
    `select to_char(date_trunc($1, d.day::timestamp), 'YYYY-MM-DD') as period, t.name as tag,
            sum(d.tagged)::int as tagged, coalesce(sum(d.prob_sum), 0)::float8 as prob
     from tag_daily d join tags t on t.id = d.tag_id
     where ${where}${tagCond} group by 1, 2`,
    tParams,
  );
  const byTag = new Map<string, Map<string, { tagged: number; prob: number }>>();
  for (const r of rows) {
    if (!byTag.has(r.tag)) byTag.set(r.tag, new Map());
    byTag.get(r.tag)!.set(r.period, { tagged: r.tagged, prob: r.prob });
  }
  const per = (x: number, i: number) => (periods[i].posts > 0 ? x / periods[i].posts : 0);
  let series: TagSeries[] = [...byTag.entries()].map(([tag, byPeriod]) => {
    const counts = periods.map(({ period }) => byPeriod.get(period)?.tagged ?? 0);
    const expected = periods.map(({ period }, i) => per(byPeriod.get(period)?.prob ?? 0, i));
    return {
      tag,
      tagged: counts.reduce((a, b) => a + b, 0),
      counts,
      shares: counts.map(per),
      expected_shares: expected,
    };
  });
  if (!options.tags) series = series.filter((s) => s.tagged > 0); // never predicted in range: no line
  series.sort((a, b) => b.tagged - a.tagged || a.tag.localeCompare(b.tag));
  if (options.limit !== undefined) series = series.slice(0, options.limit);
  return { bucket, periods, series };
}
