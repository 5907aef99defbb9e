/**
 * Builds the precomputed series (migration 7) from trend_periods: per bucket and breakdown, the periods
 * with sampled posts and their posts (trend_series), and per tag its tagged posts and probability sums (in
 * thousandths) aligned with them (trend_series_tags), each a JSON array written as JSON.stringify writes
 * it. A tag has a row when it was tagged or had probability mass in some period. The migration runs it on
 * existing data; a full refresh (src/trends/_series_store.ts) runs it again, a bounded one patches the rows.
 */
export const TREND_SERIES_BUILD = `
insert into trend_series (bucket, platform, lang, periods, posts)
select bucket, platform, lang, '["' || string_agg(to_char(period, 'YYYY-MM-DD'), '","' order by period) || '"]',
       '[' || string_agg(posts::text, ',' order by period) || ']'
from trend_periods where posts > 0
group by 1, 2, 3;

insert into trend_series_tags (bucket, platform, lang, tag_id, counts, probs)
with p as (
  select bucket, platform, lang, period, tags, probs from trend_periods where posts > 0
), k as (
  select distinct bucket, platform, lang, key
  from p, lateral (select jsonb_object_keys(p.tags) union select jsonb_object_keys(p.probs)) x (key)
)
select k.bucket, k.platform, k.lang, k.key::int,
       '[' || string_agg(coalesce(p.tags ->> k.key, '0'), ',' order by p.period) || ']',
       '[' || string_agg(coalesce(p.probs ->> k.key, '0'), ',' order by p.period) || ']'
from k join p using (bucket, platform, lang)
group by 1, 2, 3, 4;
`;
