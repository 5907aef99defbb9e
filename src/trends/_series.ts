/** Tagged counts per period and tag, with the sampled posts per period: what distribution and bursts chart. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { type Bucket, periodStart, readPeriods, tagsById } from "./_periods.ts";

export interface PeriodSeries {
  /** Periods with sampled posts, in order, as their first day. */
  periods: { period: string; posts: number }[];
  /**
   * Tagged posts per tag name and period (periods without any left out); every tag of `tags` that exists
   * has an entry, the others only when tagged in range.
   */
  byTag: Map<string, Map<string, number>>;
}

/**
 * Reads the rollup rows of the filter's range and breakdown; the rows of the ragged ends, read from a
 * finer bucket, are summed into their period here. `tags`: only these tag names.
 */
export async function periodSeries(
  db: Db,
  bucket: Bucket,
  filter: TrendFilter,
  options: { tags?: string[] } = {},
): Promise<PeriodSeries> {
  const [rows, vocabulary] = await Promise.all([
    readPeriods(db, filter, { coarsest: bucket, tags: true }),
    tagsById(db),
  ]);
  const wanted = options.tags ? new Set(options.tags) : undefined;
  const posts = new Map<string, number>();
  const byTag = new Map<string, Map<string, number>>();
  const names = new Set([...vocabulary.values()].map((t) => t.name));
  for (const tag of options.tags ?? []) if (names.has(tag)) byTag.set(tag, new Map());
  for (const r of rows) {
    const period = r.bucket === bucket ? r.period : periodStart(bucket, r.period);
    posts.set(period, (posts.get(period) ?? 0) + r.posts);
    for (const id in r.tags) {
      const tag = vocabulary.get(id)?.name;
      if (tag === undefined || (wanted && !wanted.has(tag))) continue;
      let counts = byTag.get(tag);
      if (!counts) byTag.set(tag, counts = new Map());
      counts.set(period, (counts.get(period) ?? 0) + r.tags[id]);
    }
  }
  const periods = [...posts.entries()].filter(([, n]) => n > 0).map(([period, n]) => ({ period, posts: n }));
  periods.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  return { periods, byTag };
}
