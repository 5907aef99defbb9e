/** Tagged counts per period and tag, with the sampled posts per period: what distribution and bursts chart. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { type Bucket, periodStart, rangeSegments, readPeriods, tagsById } from "./_periods.ts";
import { readSeries, type SeriesBody } from "./_series_store.ts";

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

/** Counts of one period summed from rollup rows, keyed by tag id. */
interface Sums {
  posts: number;
  tags: Record<string, number>;
  probs: Record<string, number>;
}

/**
 * The series of the filter's range and breakdown: its whole periods are a slice of the stored series
 * (trend_series, one row), the partial periods at ragged ends are summed here from the finer rollup rows
 * (trend_periods) inside the range. `tags`: only these tag names; `probs`: also the probability sums.
 */
export async function periodSeries(
  db: Db,
  bucket: Bucket,
  filter: TrendFilter,
  options: { tags?: string[]; probs?: boolean } = {},
): Promise<PeriodSeries> {
  const segments = rangeSegments(filter.from, filter.to, bucket);
  const whole = segments.find((s) => s.bucket === bucket);
  const ends = segments.filter((s) => s !== whole);
  const [stored, rows, vocabulary] = await Promise.all([
    whole ? readSeries(db, bucket, filter) : undefined,
    ends.length > 0
      ? readPeriods(db, filter, { coarsest: bucket, segments: ends, tags: true, probs: true })
      : [],
    tagsById(db),
  ]);
  const slice = sliceSeries(stored, whole?.from, whole?.until);
  // The ragged ends, each row summed into the period of `bucket` holding it.
  const sums = new Map<string, Sums>();
  for (const r of rows) {
    const period = periodStart(bucket, r.period);
    let s = sums.get(period);
    if (!s) sums.set(period, s = { posts: 0, tags: {}, probs: {} });
    s.posts += r.posts;
    for (const id in r.tags) s.tags[id] = (s.tags[id] ?? 0) + r.tags[id];
    for (const id in r.probs) s.probs[id] = (s.probs[id] ?? 0) + r.probs[id];
  }
  const endPeriods = [...sums.keys()].filter((p) => sums.get(p)!.posts > 0).sort();
  // Partial periods lie outside the whole ones: before them, or after.
  const isLeft = (p: string) => !whole || (whole.from !== undefined && p < whole.from);
  const left = endPeriods.filter(isLeft).map((p) => sums.get(p)!);
  const right = endPeriods.filter((p) => !isLeft(p)).map((p) => sums.get(p)!);
  const periods = [
    ...endPeriods.filter(isLeft).map((period, i) => ({ period, posts: left[i].posts })),
    ...slice.periods.map((period, i) => ({ period, posts: slice.posts[i] })),
    ...endPeriods.filter((p) => !isLeft(p)).map((period, i) => ({ period, posts: right[i].posts })),
  ];
  const column = (name: "tags" | "probs", id: string) => {
    const middle = slice[name][id];
    return [
      ...left.map((s) => s[name][id] ?? 0),
      ...(middle ?? new Array<number>(slice.periods.length).fill(0)),
      ...right.map((s) => s[name][id] ?? 0),
    ];
  };
  const wanted = options.tags ? new Set(options.tags) : undefined;
  const counts = new Map<string, number[]>();
  const probs = new Map<string, number[]>();
  for (const [id, t] of vocabulary) {
    if (wanted && !wanted.has(t.name)) continue;
    const tagged = column("tags", id);
    if (!wanted && !tagged.some((n) => n > 0)) continue;
    counts.set(t.name, tagged);
    if (options.probs) probs.set(t.name, column("probs", id).map((m) => m / 1000));
  }
  return { periods, counts, probs };
}

/** The periods of `body` whose first days lie in [from, until) (open ends: unbounded). */
function sliceSeries(body: SeriesBody | undefined, from?: string, until?: string): SeriesBody {
  if (!body) return { periods: [], posts: [], tags: {}, probs: {} };
  let a = 0;
  if (from !== undefined) { while (a < body.periods.length && body.periods[a] < from) a++; }
  let b = body.periods.length;
  if (until !== undefined) { while (b > a && body.periods[b - 1] >= until) b--; }
  if (a === 0 && b === body.periods.length) return body;
  const cut = (columns: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(columns).map(([id, xs]) => [id, xs.slice(a, b)]));
  return {
    periods: body.periods.slice(a, b),
    posts: body.posts.slice(a, b),
    tags: cut(body.tags),
    probs: cut(body.probs),
  };
}
