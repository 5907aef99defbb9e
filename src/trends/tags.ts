/** The tag vocabulary with how often each tag was predicted, and the platforms and languages seen. */
import type { Db } from "@/store/mod.ts";
import { filterSql, type TrendFilter } from "./_filter.ts";

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
  const pParams: unknown[] = [];
  const total = await db.query<{ n: number }>(
    `select coalesce(sum(posts), 0)::int as n from sampled_daily where ${filterSql(filter, pParams)}`,
    pParams,
  );
  const posts = total[0]?.n ?? 0;
  const params: unknown[] = [];
  const rows = await db.query<Omit<TagTotal, "share">>(
    `select t.id, t.name, t.description, coalesce(s.tagged, 0)::int as tagged
     from tags t left join (
       select tag_id, sum(tagged) as tagged from tag_daily d where ${
      filterSql(filter, params, "d")
    } group by 1
     ) s on s.tag_id = t.id
     order by tagged desc, t.name`,
    params,
  );
  return { posts, tags: rows.map((r) => ({ ...r, share: posts > 0 ? r.tagged / posts : 0 })) };
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
    db.query<{ v: string }>("select distinct platform as v from sampled_daily order by 1"),
    db.query<{ v: string }>("select distinct lang as v from sampled_daily order by 1"),
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
