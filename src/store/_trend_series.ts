/**
 * Builds trend_series (migration 7) from trend_periods: per bucket and breakdown, the whole series as one
 * JSON text — periods, sampled posts, and per tag id the tagged posts and the probability sums (in
 * thousandths) aligned with the periods. A tag is listed under `tags` when it has a tagged post in some
 * period and under `probs` when it has probability mass. The migration runs it on existing data; a full
 * refresh (src/trends/_refresh_series.ts) runs it again, and shorter refreshes patch the rows it wrote.
 */
export const TREND_SERIES_BUILD = `
insert into trend_series (bucket, platform, lang, body)
with p as (
  select bucket, platform, lang, period, posts, tags, probs from trend_periods where posts > 0
), k as (
  select distinct bucket, platform, lang, key
  from p, lateral (select jsonb_object_keys(p.tags) union select jsonb_object_keys(p.probs)) x (key)
), c as (
  select k.bucket, k.platform, k.lang, k.key, bool_or(p.tags ? k.key) as tagged, bool_or(p.probs ? k.key) as prob,
         jsonb_agg(coalesce((p.tags ->> k.key)::bigint, 0) order by p.period) as counts,
         jsonb_agg(coalesce((p.probs ->> k.key)::bigint, 0) order by p.period) as milli
  from k join p using (bucket, platform, lang)
  group by 1, 2, 3, 4
), t as (
  select bucket, platform, lang, coalesce(jsonb_object_agg(key, counts) filter (where tagged), '{}') as tags,
         coalesce(jsonb_object_agg(key, milli) filter (where prob), '{}') as probs
  from c group by 1, 2, 3
), s as (
  select bucket, platform, lang, jsonb_agg(to_char(period, 'YYYY-MM-DD') order by period) as periods,
         jsonb_agg(posts order by period) as posts
  from p group by 1, 2, 3
)
select s.bucket, s.platform, s.lang,
       json_build_object('periods', s.periods, 'posts', s.posts, 'tags', coalesce(t.tags, '{}'),
                         'probs', coalesce(t.probs, '{}'))::text
from s left join t using (bucket, platform, lang);
`;
