/**
 * What the corpus holds, counted in the database: posts by modality mix, language, platform and month,
 * and how often each tag is given. The explore notebook shows these; the queries read the store only.
 */
import type { Db } from "@/store/mod.ts";

/** One bucket of a count: a key ("text+image", "de", "2026-03" ...) and how many posts fall in it. */
export interface Count {
  key: string;
  n: number;
}

export interface CorpusStats {
  posts: number;
  /** Modalities present, joined with "+" in the order text, image, video; "none" when a post has none. */
  byModality: Count[];
  /** Detected language when language id ran (`doc.lang_detected`), else the declared one, else "unknown". */
  byLanguage: Count[];
  /** The language the source declared (`doc.lang`), "unknown" when absent. */
  byDeclaredLanguage: Count[];
  byPlatform: Count[];
  /** UTC month of `created_at` as "YYYY-MM", in time order; "unknown" (last) for posts without time. */
  byMonth: Count[];
  /** Posts carrying each tag (any annotator, value true), most frequent first. */
  tagFrequencies: Count[];
}

const MODALITY = `concat_ws('+',
  case when coalesce(p.doc ->> 'text', '') <> '' then 'text' end,
  case when exists (select 1 from media m where m.post_id = p.id and m.kind = 'image') then 'image' end,
  case when exists (select 1 from media m where m.post_id = p.id and m.kind = 'video') then 'video' end)`;

async function counts(db: Db, keySql: string, order = "count(*) desc, k"): Promise<Count[]> {
  return await db.query<Count & Record<string, unknown>>(
    `select k as key, count(*)::int as n from (select ${keySql} as k from posts p) s group by k order by ${order}`,
  );
}

/** Counts the whole corpus: a handful of grouped queries, no posts loaded into memory. */
export async function corpusStats(db: Db): Promise<CorpusStats> {
  const [{ n: posts }] = await db.query<{ n: number }>("select count(*)::int as n from posts");
  const byModality = (await counts(db, MODALITY)).map((c) => ({ key: c.key || "none", n: c.n }));
  const byLanguage = await counts(db, "coalesce(p.doc ->> 'lang_detected', p.doc ->> 'lang', 'unknown')");
  const byDeclaredLanguage = await counts(db, "coalesce(p.doc ->> 'lang', 'unknown')");
  const byPlatform = await counts(db, "p.platform");
  const byMonth = await counts(
    db,
    "coalesce(to_char(p.created_at at time zone 'UTC', 'YYYY-MM'), 'unknown')",
    "(k = 'unknown'), k",
  );
  const tagFrequencies = await db.query<Count & Record<string, unknown>>(
    `select t.name as key, count(distinct l.post_id)::int as n
     from labels l join tags t on t.id = l.tag_id where l.value
     group by t.name order by n desc, t.name`,
  );
  return { posts, byModality, byLanguage, byDeclaredLanguage, byPlatform, byMonth, tagFrequencies };
}
