/** Tagged counts per period and tag, with the sampled posts per period: what distribution and bursts chart. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { type Bucket, periodStart, readPeriods, tagsById } from "./_periods.ts";

export interface PeriodSeries {
  /** Periods with sampled posts, in order, as their first day. */
  periods: { period: string; posts: number }[];
  /**
   * Tagged posts per tag name, aligned with `periods`; every tag of `tags` that exists has an entry, the
   * others only when tagged in range.
   */
  counts: Map<string, number[]>;
  /** With `probs`: each tag's sum of probabilities (expected tagged posts), aligned with `periods`. */
  probs: Map<string, number[]>;
}

/**
 * Reads the rollup rows of the filter's range and breakdown; the rows of the ragged ends, read from a
 * finer bucket, are summed into their period here. `tags`: only these tag names; `probs`: also read the
 * probability sums.
 */
export async function periodSeries(
  db: Db,
  bucket: Bucket,
  filter: TrendFilter,
  options: { tags?: string[]; probs?: boolean } = {},
): Promise<PeriodSeries> {
  const [rows, vocabulary] = await Promise.all([
    readPeriods(db, filter, { coarsest: bucket, tags: true, probs: options.probs }),
    tagsById(db),
  ]);
  // Each row's period and the sampled posts per period, then the counts into arrays by period index.
  const periodOf = rows.map((r) => (r.bucket === bucket ? r.period : periodStart(bucket, r.period)));
  const posts = new Map<string, number>();
  rows.forEach((r, i) => posts.set(periodOf[i], (posts.get(periodOf[i]) ?? 0) + r.posts));
  const periods = [...posts].filter(([, n]) => n > 0).map(([period, n]) => ({ period, posts: n }));
  periods.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  const index = new Map(periods.map((p, i) => [p.period, i]));
  const wanted = options.tags ? new Set(options.tags) : undefined;
  const byId = new Map<string, { tagged: number[]; milli: number[] }>();
  for (const t of vocabulary.values()) {
    if (wanted && !wanted.has(t.name)) continue;
    const zeros = () => new Array<number>(periods.length).fill(0);
    byId.set(String(t.id), { tagged: zeros(), milli: zeros() });
  }
  rows.forEach((r, i) => {
    const at = index.get(periodOf[i]);
    if (at === undefined) return;
    for (const id in r.tags) {
      const c = byId.get(id);
      if (c) c.tagged[at] += r.tags[id];
    }
    for (const id in r.probs) {
      const c = byId.get(id);
      if (c) c.milli[at] += r.probs[id];
    }
  });
  const counts = new Map<string, number[]>();
  const probs = new Map<string, number[]>();
  for (const [id, c] of byId) {
    if (!wanted && !c.tagged.some((n) => n > 0)) continue;
    const name = vocabulary.get(id)!.name;
    counts.set(name, c.tagged);
    if (options.probs) probs.set(name, c.milli.map((m) => m / 1000));
  }
  return { periods, counts, probs };
}
