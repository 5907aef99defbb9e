/** Share of sampled posts carrying each tag, per day, week or month. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import type { Bucket } from "./_periods.ts";
import { periodSeries } from "./_series.ts";

export type { Bucket };

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
}

export interface Distribution {
  bucket: Bucket;
  periods: { period: string; posts: number }[];
  series: TagSeries[];
}

/** Tag shares per period from the aggregates; periods without sampled posts are left out. */
export async function tagDistribution(db: Db, options: DistributionOptions = {}): Promise<Distribution> {
  const bucket = options.bucket ?? "week";
  const { periods, counts: byTag } = await periodSeries(db, bucket, options, { tags: options.tags });
  let series: TagSeries[] = [...byTag.entries()].map(([tag, counts]) => {
    const shares = counts.map((n, i) => (periods[i].posts > 0 ? n / periods[i].posts : 0));
    return { tag, tagged: counts.reduce((a, b) => a + b, 0), counts, shares };
  });
  if (!options.tags) series = series.filter((s) => s.tagged > 0); // never predicted in range: no line
  series.sort((a, b) => b.tagged - a.tagged || a.tag.localeCompare(b.tag));
  if (options.limit !== undefined) series = series.slice(0, options.limit);
  return { bucket, periods, series };
}
