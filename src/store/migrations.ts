/**
 * The schema, as an ordered list of migrations. Each runs once, in a transaction, and is recorded in
 * `schema_migrations`; never edit a released migration — add the next one.
 */

import { TREND_TABLES_BACKFILL } from "./_trend_backfill.ts";
import { TREND_SERIES_BUILD } from "./_trend_series.ts";

export { TREND_SERIES_BUILD, TREND_TABLES_BACKFILL };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
create table posts (
  id text primary key,                 -- HMAC-SHA256(secret, platform + native id): never the raw id
  platform text not null,
  source text not null,                -- what brought it in: sample, goemotions, jsonl:<file>, mastodon:<spec> ...
  created_at timestamptz,              -- null when the source has no times (GoEmotions): split by tag then
  split text check (split in ('train', 'dev', 'test')),
  doc jsonb not null default '{}',     -- the text document: text, lang, hashtags, mentions, urls
  user_id text,                        -- HMAC of platform + user id
  user_followers integer,
  user_following integer,
  user_posts integer,
  user_verified boolean,
  user_created_at timestamptz,
  device text,
  extra jsonb not null default '{}',
  content_hash text not null,          -- sha256 over text + media blobs: changes when content does
  ingested_at timestamptz not null default now()
);
create index posts_created_at on posts (created_at);
create index posts_source on posts (source, created_at);

create table media (
  post_id text not null references posts (id) on delete cascade,
  position smallint not null,
  kind text not null check (kind in ('image', 'video')),
  blob_sha256 text,                    -- null when the file could not be fetched (see error)
  mime text,
  bytes bigint,
  width integer,
  height integer,
  duration_s real,
  alt text,
  error text,
  primary key (post_id, position)
);
create index media_blob on media (blob_sha256);

create table tags (
  id serial primary key,
  name text not null unique,
  description text,
  created_at timestamptz not null default now()
);

create table labels (
  post_id text not null references posts (id) on delete cascade,
  tag_id integer not null references tags (id),
  annotator text not null default 'source',
  source text not null,
  value boolean not null default true,  -- false records an explicit "not this tag"
  labeled_at timestamptz not null default now(),
  primary key (post_id, tag_id, annotator)
);
create index labels_tag on labels (tag_id);

create table quarantine (
  id bigserial primary key,
  stage text not null,                  -- ingest, preprocess, infer ...
  source text not null,
  item text not null,                   -- post id, file:line, URL: whatever finds the item again
  modality text not null default '',
  reason text not null,
  detail jsonb not null default '{}',
  run_id text,
  created_at timestamptz not null default now(),
  unique (stage, source, item, modality)
);

create table runs (
  id text primary key,
  kind text not null check (kind in ('ingest', 'preprocess', 'train', 'infer')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  params jsonb not null default '{}',
  summary jsonb not null default '{}',
  model_version text,
  code_version text
);
create index runs_kind on runs (kind, started_at desc);

create table models (
  version text primary key,
  created_at timestamptz not null default now(),
  run_id text references runs (id),
  status text not null default 'candidate' check (status in ('candidate', 'current', 'retired')),
  metrics jsonb not null default '{}',
  path text not null
);

create table predictions (
  run_id text not null references runs (id) on delete cascade,
  post_id text not null references posts (id) on delete cascade,
  tag_id integer not null references tags (id),
  probability real not null check (probability >= 0 and probability <= 1),
  predicted boolean not null,
  model_version text not null,
  primary key (run_id, post_id, tag_id)
);
create index predictions_post on predictions (post_id);

-- The wide form for BI tools is a view rebuilt from the tag vocabulary (see wide.ts); start with none.
`,
  },
  {
    version: 2,
    name: "trend aggregates",
    sql: `
-- Per UTC day, platform and language, from the latest prediction of each sampled post (src/trends/refresh.ts).
-- Derived data, rebuilt by refreshAggregates: no foreign keys, so that bulk rebuilds skip per-row checks.
create table sampled_daily (
  day date not null,
  platform text not null,
  lang text not null,                  -- doc->>'lang', 'und' when unknown
  posts integer not null,              -- sampled (scored) posts
  primary key (day, platform, lang)
);

create table tag_daily (
  day date not null,
  tag_id integer not null,
  platform text not null,
  lang text not null,
  tagged integer not null,             -- sampled posts predicted to carry the tag
  prob_sum real not null,              -- sum of the tag's probability over the sampled posts
  primary key (day, tag_id, platform, lang)
);
create index tag_daily_tag on tag_daily (tag_id, day);

create table tag_pair_daily (
  day date not null,
  tag_a integer not null,
  tag_b integer not null,              -- tag_a < tag_b
  platform text not null,
  lang text not null,
  posts integer not null,              -- sampled posts predicted to carry both tags
  primary key (day, tag_a, tag_b, platform, lang),
  check (tag_a < tag_b)
);

-- One row per refresh: the API's response cache is valid while the newest id stays the same.
create table trend_refreshes (
  id bigserial primary key,
  refreshed_at timestamptz not null default now(),
  from_day date,                       -- null: from the first post
  to_day date,                         -- null: to the last post
  posts integer not null
);

-- Top posts per tag read predictions directly through this index.
create index predictions_tag_prob on predictions (tag_id, probability desc);
`,
  },
  {
    version: 3,
    name: "inference claims",
    sql: `
-- Who is scoring one shard of an inference run right now: a row with a heartbeat (a lease). A second
-- worker takes the shard over only once the heartbeat is older than its lease (the owner was killed).
create table infer_claims (
  run_id text not null,
  shard text not null,                  -- "i/n": shard i of n
  owner text not null,                  -- host:pid:random of the worker holding it
  claimed_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  primary key (run_id, shard)
);
`,
  },
  {
    version: 4,
    name: "prediction keys checked per statement",
    sql: `
-- Inference writes predictions in bulk (one row per post and tag, ~30 rows per post). The three per-row
-- foreign-key checks took half of the write time; the same guarantees are kept by statement-level
-- triggers that look at each distinct key once:
-- * a prediction's run, post and tag must exist, and are locked against deletion until the writer
--   commits (FOR KEY SHARE, as a foreign key locks them);
-- * deleting (or truncating) runs or posts deletes their predictions; a tag with predictions cannot be deleted.
alter table predictions
  drop constraint predictions_run_id_fkey,
  drop constraint predictions_post_id_fkey,
  drop constraint predictions_tag_id_fkey;

create function predictions_check_keys() returns trigger language plpgsql as $fn$
declare
  missing text;
begin
  perform 1 from runs where id in (select distinct run_id from new_rows) for key share;
  perform 1 from posts where id in (select distinct post_id from new_rows) for key share;
  perform 1 from tags where id in (select distinct tag_id from new_rows) for key share;
  select m into missing from (
    (select format('run "%s" does not exist', n.run_id) as m from (select distinct run_id from new_rows) n
     where not exists (select 1 from runs r where r.id = n.run_id) limit 1)
    union all
    (select format('post "%s" does not exist', n.post_id) from (select distinct post_id from new_rows) n
     where not exists (select 1 from posts p where p.id = n.post_id) limit 1)
    union all
    (select format('tag "%s" does not exist', n.tag_id) from (select distinct tag_id from new_rows) n
     where not exists (select 1 from tags t where t.id = n.tag_id) limit 1)
  ) x limit 1;
  if missing is not null then
    raise foreign_key_violation using message = 'Cannot write predictions: ' || missing;
  end if;
  return null;
end
$fn$;
create trigger predictions_keys_insert after insert on predictions
  referencing new table as new_rows for each statement execute function predictions_check_keys();
create trigger predictions_keys_update after update on predictions
  referencing new table as new_rows for each statement execute function predictions_check_keys();

create function predictions_follow_deletes() returns trigger language plpgsql as $fn$
begin
  if tg_op = 'TRUNCATE' then
    if tg_table_name = 'posts' then truncate predictions; else delete from predictions; end if;
  elsif tg_table_name = 'posts' then
    delete from predictions where post_id in (select id from old_rows);
  else
    delete from predictions where run_id in (select id from old_rows);
  end if;
  return null;
end
$fn$;
create trigger posts_delete_predictions after delete on posts
  referencing old table as old_rows for each statement execute function predictions_follow_deletes();
create trigger runs_delete_predictions after delete on runs
  referencing old table as old_rows for each statement execute function predictions_follow_deletes();
create trigger posts_truncate_predictions after truncate on posts
  for each statement execute function predictions_follow_deletes();
create trigger runs_truncate_predictions after truncate on runs
  for each statement execute function predictions_follow_deletes();

create function tags_keep_predicted() returns trigger language plpgsql as $fn$
declare
  used integer;
begin
  select p.tag_id into used from predictions p where p.tag_id in (select id from old_rows) limit 1;
  if used is not null then
    raise foreign_key_violation using message = format('Cannot delete tag "%s": it has predictions', used);
  end if;
  return null;
end
$fn$;
create trigger tags_keep_predicted after delete on tags
  referencing old table as old_rows for each statement execute function tags_keep_predicted();
`,
  },
  {
    version: 5,
    name: "label assignments",
    sql: `
-- The labeling page hands each annotator one post at a time. An open assignment is a lease: while it is
-- unexpired no other annotator is given that post (the partial unique index makes two open leases on one
-- post impossible, however the requests race). Skips and finished posts stay, so nobody sees a post twice.
create table label_assignments (
  post_id text not null references posts (id) on delete cascade,
  annotator text not null,
  queue text not null,                 -- uncertain, random, second-opinion, disagreement
  status text not null default 'open' check (status in ('open', 'skipped', 'done')),
  assigned_at timestamptz not null default now(),
  expires_at timestamptz not null,
  finished_at timestamptz,
  detail jsonb not null default '{}',  -- why the queue chose it: the model's uncertainty, the tags at issue
  primary key (post_id, annotator)
);
create unique index label_assignments_one_open on label_assignments (post_id) where status = 'open';
create index label_assignments_annotator on label_assignments (annotator, status);
`,
  },
  {
    version: 6,
    name: "trends at scale",
    sql: `
-- TRUNCATE of posts together with predictions ("truncate predictions, posts cascade") failed with
-- "cannot TRUNCATE predictions because it is being used by active queries in this session": the
-- statement's own AFTER TRUNCATE trigger on posts truncated predictions again while the statement held
-- it open. The trigger now truncates only when predictions still has rows (not when the same statement
-- already emptied it).
create or replace function predictions_follow_deletes() returns trigger language plpgsql as $fn$
begin
  if tg_op = 'TRUNCATE' then
    if tg_table_name = 'posts' then
      if exists (select 1 from predictions) then truncate predictions; end if;
    else
      delete from predictions;
    end if;
  elsif tg_table_name = 'posts' then
    delete from predictions where post_id in (select id from old_rows);
  else
    delete from predictions where run_id in (select id from old_rows);
  end if;
  return null;
end
$fn$;

-- Period rollups for the trend routes at scale (src/trends/_periods.ts), rebuilt by refreshAggregates
-- from the daily aggregates: per day, ISO week (from Monday) and month, and per breakdown — each platform
-- and language, and also all platforms and/or all languages ('*') — the sampled posts, the tagged posts
-- per tag and the posts per tag pair. One row per period holds every tag's count, so a request reads a
-- few rows along the primary key (24 for two years by month) and sums them; a range whose ends cut a
-- period is read as whole months, then whole weeks, then days.
create table trend_periods (
  bucket text not null check (bucket in ('day', 'week', 'month')),
  platform text not null,              -- '*': all platforms
  lang text not null,                  -- '*': all languages
  period date not null,                -- first day of the period
  posts integer not null,              -- sampled posts
  tags jsonb not null,                 -- {"<tag id>": tagged posts}, every tag predicted in the period
  probs jsonb not null,                -- {"<tag id>": sum of its probability in thousandths}: the expected
                                       -- count (each tag_daily row's sum rounded, so every rollup adds up)
  pairs jsonb not null,                -- {"<tag_a>,<tag_b>": posts tagged with both}, tag_a < tag_b
  primary key (bucket, platform, lang, period)
) with (toast_tuple_target = 256);
-- The pair counts (the bulk of a row, read by clusters only) live out of line, so that the rows the other
-- routes read stay small.
alter table trend_periods alter column pairs set storage external;

-- The latest non-failed run of each sampled post (what the aggregates count), kept by refreshAggregates:
-- top posts join it to predictions instead of searching each candidate's newer runs.
create table trend_posts (
  post_id text primary key,
  run_id text not null,
  day date not null,
  platform text not null,
  lang text not null
);
create index trend_posts_day on trend_posts (day);
create index trend_posts_breakdown on trend_posts (platform, lang, day);

-- Top posts walk only predicted rows: the index of all rows by probability (migration 2) made them skip
-- the unpredicted ones (seen: 117,000 for one request) and held ~3 times the entries each inference write updates.
create index predictions_tag_predicted on predictions (tag_id, probability desc) where predicted;
drop index predictions_tag_prob;
${TREND_TABLES_BACKFILL}`,
  },
  {
    version: 7,
    name: "trend series",
    sql: `
-- The whole series of each bucket and breakdown, precomputed from trend_periods (src/store/_trend_series.ts)
-- as JSON arrays in text: a two-year daily series read from trend_periods was 731 rows of jsonb, ~13 ms of
-- PostgreSQL's output of their numbers at 10M predictions; text is copied out as it is, and a route reads
-- only the tags it shows (each tag's arrays are a row). Kept by refreshAggregates (a full refresh builds
-- them again, a bounded one replaces the periods it touched).
create table trend_series (
  bucket text not null check (bucket in ('day', 'week', 'month')),
  platform text not null,              -- '*': all platforms
  lang text not null,                  -- '*': all languages
  periods text not null,               -- JSON array of the first days of the periods with sampled posts
  posts text not null,                 -- JSON array: sampled posts, aligned with periods
  primary key (bucket, platform, lang)
);
create table trend_series_tags (
  bucket text not null,
  platform text not null,
  lang text not null,
  tag_id integer not null,
  counts text not null,                -- JSON array: tagged posts, aligned with trend_series.periods
  probs text not null,                 -- JSON array: sums of the tag's probability in thousandths
  primary key (bucket, platform, lang, tag_id),
  foreign key (bucket, platform, lang) references trend_series on delete cascade
);
-- Stored uncompressed (out of line when long): a read copies the bytes instead of decompressing them.
alter table trend_series alter column periods set storage external, alter column posts set storage external;
alter table trend_series_tags alter column counts set storage external, alter column probs set storage external;
${TREND_SERIES_BUILD}`,
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
