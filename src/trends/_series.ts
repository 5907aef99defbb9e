/** Tagged counts per period and tag, with the sampled posts per period: what distribution and bursts chart. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { type Bucket, periodStart, rangeSegments, readPeriods, tagsById } from "./_periods.ts";
import { readSeriesCounts, readSeriesProbs, type SeriesBody } from "./_series_store.ts";

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
 * (trend_series), the partial periods at ragged ends are summed here from the finer rollup rows
 * (trend_periods) inside the range. `tags`: only these tag names; `probs`: also the probability sums,
 * read only for the `limit` most tagged tags in range (and those tied with the last) when `limit` is set.
 */
export async function periodSeries(
  db: Db,
  bucket: Bucket,
  filter: TrendFilter,
  options: { tags?: string[]; probs?: boolean; limit?: number } = {},
): Promise<PeriodSeries> {
  const segments = rangeSegments(filter.from, filter.to, bucket);
  const whole = segments.find((s) => s.bucket === bucket);
  const ends = segments.filter((s) => s !== whole);
  // The tag names come with the stored series; the vocabulary is read when tags are asked for by name or
  // the ragged ends may hold tags the series lacks.
  const [stored, rows, vocabulary] = await Promise.all([
    whole ? readSeriesCounts(db, bucket, filter) : undefined,
    ends.length > 0
      ? readPeriods(db, filter, { coarsest: bucket, segments: ends, tags: true, probs: true })
      : [],
    options.tags || ends.length > 0 ? tagsById(db) : undefined,
  ]);
  const tagNames = vocabulary
    ? new Map([...vocabulary].map(([id, t]) => [id, t.name]))
    : new Map(Object.entries(stored?.names ?? {}));
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
    const middle = slice[name][id] ?? new Array<number>(slice.periods.length).fill(0);
    if (left.length === 0 && right.length === 0) return middle;
    return left.map((s) => s[name][id] ?? 0).concat(middle, right.map((s) => s[name][id] ?? 0));
  };
  const wanted = options.tags ? new Set(options.tags) : undefined;
  const counts = new Map<string, number[]>();
  const ids = new Map<string, string>();
  for (const [id, name] of tagNames) {
    if (wanted && !wanted.has(name)) continue;
    const tagged = column("tags", id);
    if (!wanted && !tagged.some((n) => n > 0)) continue;
    counts.set(name, tagged);
    ids.set(name, id);
  }
  const probs = new Map<string, number[]>();
  if (!options.probs) return { periods, counts, probs };
  let names = [...counts.keys()];
  if (options.limit !== undefined && names.length > options.limit) {
    const total = new Map(names.map((n) => [n, counts.get(n)!.reduce((a, b) => a + b, 0)]));
    const cut = [...total.values()].sort((a, b) => b - a)[options.limit - 1];
    names = names.filter((n) => total.get(n)! >= cut);
  }
  if (slice.periods.length > 0) {
    slice.probs = sliceColumns(
      await readSeriesProbs(db, bucket, filter, names.map((n) => ids.get(n)!)),
      slice.offset,
      slice.periods.length,
    );
  }
  for (const name of names) probs.set(name, column("probs", ids.get(name)!).map((m) => m / 1000));
  return { periods, counts, probs };
}

/** The periods of `body` whose first days lie in [from, until) (open ends: unbounded), and where they start. */
function sliceSeries(
  body: SeriesBody | undefined,
  from?: string,
  until?: string,
): SeriesBody & { offset: number } {
  if (!body) return { periods: [], posts: [], tags: {}, probs: {}, offset: 0 };
  let a = 0;
  if (from !== undefined) { while (a < body.periods.length && body.periods[a] < from) a++; }
  let b = body.periods.length;
  if (until !== undefined) { while (b > a && body.periods[b - 1] >= until) b--; }
  return {
    periods: body.periods.slice(a, b),
    posts: body.posts.slice(a, b),
    tags: sliceColumns(body.tags, a, b - a),
    probs: {},
    offset: a,
  };
}

/** Each array's `length` values from `offset`. */
function sliceColumns(columns: Record<string, number[]>, offset: number, length: number) {
  const out: Record<string, number[]> = {};
  for (const id in columns) {
    const xs = columns[id];
    out[id] = offset === 0 && length === xs.length ? xs : xs.slice(offset, offset + length);
  }
  return out;
}
