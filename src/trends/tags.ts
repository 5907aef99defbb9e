/** The tag vocabulary with how often each tag was predicted, and the platforms and languages seen. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { byCodeUnits, readPeriods, sumPeriods, tagsById } from "./_periods.ts";

export interface TagTotal {
  id: number;
  name: string;
  description: string | null;
  /** Sampled posts predicted to carry the tag in range. */
  tagged: number;
  /** tagged / sampled posts in range. */
  share: number;
}

export interface TagTotals {
  posts: number;
  tags: TagTotal[];
}

/** Every tag (also those never predicted), most predicted first. */
export async function tagTotals(db: Db, filter: TrendFilter = {}): Promise<TagTotals> {
  const [rows, vocabulary] = await Promise.all([
    readPeriods(db, filter, { coarsest: "month", tags: true }),
    tagsById(db),
  ]);
  const sums = sumPeriods(rows);
  const posts = sums.posts;
  const totals = [...vocabulary.values()].map((t) => ({ ...t, tagged: sums.tags.get(String(t.id)) ?? 0 }));
  totals.sort((a, b) => b.tagged - a.tagged || byCodeUnits(a.name, b.name));
  return { posts, tags: totals.map((r) => ({ ...r, share: posts > 0 ? r.tagged / posts : 0 })) };
}

export interface Facets {
  platforms: string[];
  langs: string[];
  /** First and last day with sampled posts. */
  from: string | null;
  to: string | null;
}

export async function trendFacets(db: Db): Promise<Facets> {
  const [p, l, r] = await Promise.all([
    // The month rollup holds every platform and language seen, in a few rows per month.
    db.query<{ v: string }>(
      "select distinct platform as v from trend_periods where bucket = 'month' and platform <> '*' order by 1",
    ),
    db.query<{ v: string }>(
      "select distinct lang as v from trend_periods where bucket = 'month' and platform = '*' and lang <> '*' order by 1",
    ),
    db.query<{ a: string | null; b: string | null }>(
      "select to_char(min(day), 'YYYY-MM-DD') as a, to_char(max(day), 'YYYY-MM-DD') as b from sampled_daily",
    ),
  ]);
  return {
    platforms: p.map((x) => x.v),
    langs: l.map((x) => x.v),
    from: r[0]?.a ?? null,
    to: r[0]?.b ?? null,
  };
}
