/**
 * Reading the period rollups (trend_periods): a range of days is split into segments, each a run of
 * whole periods of one bucket — whole months, then whole weeks at the ragged ends, then days — so that a
 * two-year range reads 24 month rows instead of 730 daily rows per tag and breakdown. The breakdown filter
 * picks one row set: '*' stands for all platforms or all languages.
 */
import type { Db } from "@/store/mod.ts";
import { addDays, toDay, type TrendFilter } from "./_filter.ts";

export type Bucket = "day" | "week" | "month";

/** Whole periods of one bucket whose first days lie in [from, until) (an open end: unbounded). */
export interface Segment {
  bucket: Bucket;
  from?: string;
  until?: string;
}

const ORDER: Bucket[] = ["day", "week", "month"];

/** The first day of the period of `bucket` holding `day` (weeks start on Monday). */
export function periodStart(bucket: Bucket, day: string): string {
  if (bucket === "day") return day;
  if (bucket === "month") return `${day.slice(0, 7)}-01`;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((dow + 6) % 7));
}

/** The first day of the period after the one holding `day`. */
export function nextPeriod(bucket: Bucket, day: string): string {
  if (bucket === "day") return addDays(day, 1);
  if (bucket === "week") return addDays(periodStart("week", day), 7);
  const [y, m] = day.split("-").map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}

/**
 * Splits the days [from, to] (inclusive, either end open) into segments of buckets no coarser than
 * `coarsest`: each day of the range lies in exactly one segment, and no period of a segment reaches
 * outside the range. Within a segment of a bucket finer than `coarsest`, every period lies inside one
 * period of `coarsest` (so periodStart(coarsest, period) sums them into the right one).
 */
export function rangeSegments(from: string | undefined, to: string | undefined, coarsest: Bucket): Segment[] {
  const until = to === undefined ? undefined : addDays(toDay(to), 1);
  return split(from === undefined ? undefined : toDay(from), until, ORDER.indexOf(coarsest));
}

function split(from: string | undefined, until: string | undefined, level: number): Segment[] {
  if (from !== undefined && until !== undefined && from >= until) return [];
  const bucket = ORDER[level];
  if (level === 0) return [{ bucket, from, until }];
  // Whole periods: from the first period start at or after `from` to the last one ending by `until`.
  const a = from === undefined
    ? undefined
    : periodStart(bucket, from) === from
    ? from
    : nextPeriod(bucket, from);
  const b = until === undefined ? undefined : periodStart(bucket, until);
  if (a !== undefined && b !== undefined && a >= b) {
    // No whole period inside: the range lies in one period, or across the boundary `a` of two.
    return a < until!
      ? [...split(from, a, level - 1), ...split(a, until, level - 1)]
      : split(from, until, level - 1);
  }
  const left = a === undefined ? [] : split(from, a, level - 1);
  const right = b === undefined ? [] : split(b, until, level - 1);
  return [...left, { bucket, from: a, until: b }, ...right];
}

/**
 * One row of trend_periods. Counts are keyed by tag id (tags; probs: the probability sums in thousandths)
 * and "<tag_a>,<tag_b>" (pairs).
 */
export type PeriodRow = {
  bucket: Bucket;
  /** First day, YYYY-MM-DD. */
  period: string;
  posts: number;
  tags: Record<string, number>;
  probs: Record<string, number>;
  pairs: Record<string, number>;
};

/**
 * The rollup rows of the range `[filter.from, filter.to]` (read as whole periods no coarser than
 * `coarsest`) under the filter's breakdown. Only the columns asked for are read (the pair counts are the
 * bulk of a row); the others come back empty.
 */
export async function readPeriods(
  db: Db,
  filter: TrendFilter,
  options: {
    coarsest: Bucket;
    tags?: boolean;
    probs?: boolean;
    pairs?: boolean;
    /** Only these segments. @default rangeSegments(filter.from, filter.to, coarsest) */
    segments?: Segment[];
  },
): Promise<PeriodRow[]> {
  const segments = options.segments ?? rangeSegments(filter.from, filter.to, options.coarsest);
  if (segments.length === 0) return [];
  const params: unknown[] = [filter.platform ?? "*", filter.lang ?? "*"];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts = segments.map((s) => {
    const conds = [`bucket = ${p(s.bucket)}`];
    if (s.from !== undefined) conds.push(`period >= ${p(s.from)}::date`);
    if (s.until !== undefined) conds.push(`period < ${p(s.until)}::date`);
    return `(${conds.join(" and ")})`;
  });
  const column = (name: "tags" | "probs" | "pairs") => options[name] ? name : `'{}'::jsonb as ${name}`;
  return await db.query<PeriodRow>(
    `select bucket, to_char(period, 'YYYY-MM-DD') as period, posts, ${column("tags")}, ${column("probs")},
            ${column("pairs")}
     from trend_periods where platform = $1 and lang = $2 and (${parts.join(" or ")})`,
    params,
  );
}

export type TagInfo = {
  id: number;
  name: string;
  description: string | null;
};

/** The tag vocabulary by id. */
export async function tagsById(db: Db): Promise<Map<string, TagInfo>> {
  const rows = await db.query<TagInfo>("select id, name, description from tags");
  return new Map(rows.map((r) => [String(r.id), r]));
}

export interface PeriodSums {
  posts: number;
  tags: Map<string, number>;
  probs: Map<string, number>;
  pairs: Map<string, number>;
}

/** Sums the rows' counts: sampled posts, and per key each count column read. */
export function sumPeriods(rows: PeriodRow[]): PeriodSums {
  const sums: PeriodSums = { posts: 0, tags: new Map(), probs: new Map(), pairs: new Map() };
  for (const r of rows) {
    sums.posts += r.posts;
    for (const column of ["tags", "probs", "pairs"] as const) {
      const into = sums[column];
      const counts = r[column];
      for (const k in counts) into.set(k, (into.get(k) ?? 0) + counts[k]);
    }
  }
  return sums;
}

/** Code-unit order of strings (PostgreSQL's "C" collation), the same on every engine and locale. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
