/**
 * Fills trend_periods and trend_posts of a database that already has daily aggregates (migration 6), as
 * refreshAggregates would, so that the routes and the next short refresh (which updates weeks and months
 * by difference) find them complete. Frozen here with the migration; exported for its test.
 */
export const TREND_TABLES_BACKFILL = `
insert into trend_periods (bucket, platform, lang, period, posts, tags, probs, pairs)
with b (bucket) as (values ('day'), ('week'), ('month')),
s as (
  select bucket, period, case when grouping(platform) = 1 then '*' else platform end as platform,
         case when grouping(lang) = 1 then '*' else lang end as lang, sum(posts)::int as posts
  from (select bucket, date_trunc(bucket, day::timestamp)::date as period, platform, lang, posts
        from sampled_daily, b) d
  group by bucket, period, grouping sets ((platform, lang), (platform), (lang), ())
), t as (
  select bucket, period, platform, lang,
         coalesce(jsonb_object_agg(tag_id::text, tagged) filter (where tagged > 0), '{}') as tags,
         coalesce(jsonb_object_agg(tag_id::text, milli) filter (where milli > 0), '{}') as probs
  from (select bucket, period, tag_id, case when grouping(platform) = 1 then '*' else platform end as platform,
               case when grouping(lang) = 1 then '*' else lang end as lang, sum(tagged)::int as tagged,
               sum(milli)::bigint as milli
        from (select bucket, date_trunc(bucket, day::timestamp)::date as period, tag_id, platform, lang, tagged,
                     round(prob_sum * 1000)::bigint as milli
              from tag_daily, b) d
        group by bucket, period, tag_id, grouping sets ((platform, lang), (platform), (lang), ())) x
  group by 1, 2, 3, 4
), p as (
  select bucket, period, platform, lang, jsonb_object_agg(pair, posts) as pairs
  from (select bucket, period, tag_a || ',' || tag_b as pair,
               case when grouping(platform) = 1 then '*' else platform end as platform,
               case when grouping(lang) = 1 then '*' else lang end as lang, sum(posts)::int as posts
        from (select bucket, date_trunc(bucket, day::timestamp)::date as period, tag_a, tag_b, platform, lang, posts
              from tag_pair_daily, b) d
        group by bucket, period, tag_a, tag_b, grouping sets ((platform, lang), (platform), (lang), ())) x
  group by 1, 2, 3, 4
)
select s.bucket, s.platform, s.lang, s.period, s.posts, coalesce(t.tags, '{}'), coalesce(t.probs, '{}'),
       coalesce(p.pairs, '{}')
from s left join t using (bucket, period, platform, lang) left join p using (bucket, period, platform, lang);

insert into trend_posts (post_id, run_id, day, platform, lang)
select distinct on (pr.post_id) pr.post_id, pr.run_id, (po.created_at at time zone 'UTC')::date, po.platform,
       coalesce(nullif(po.doc ->> 'lang', ''), 'und')
from (select distinct post_id, run_id from predictions) pr
join runs r on r.id = pr.run_id join posts po on po.id = pr.post_id
where r.status <> 'failed' and po.created_at is not null
  and (po.created_at at time zone 'UTC')::date in (select day from sampled_daily)
order by pr.post_id, r.started_at desc, r.id desc;
`;
