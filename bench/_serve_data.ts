/**
 * The serving benchmark's data: synthetic posts and predictions written by SQL (generate_series) into a
 * PostgreSQL database that may be replaced, kept there for the next run (building 10M rows takes minutes).
 */
import type { Db } from "@/store/mod.ts";

/** Changes whenever the generated data would: a database holding another version is rebuilt. */
const DATA_VERSION = 2;

/**
 * Writes the synthetic predictions (replacing any) and returns the prediction row count: one inference
 * run per week of posts (as the 6-hourly cron writes many runs), each post scored on every tag.
 */
export async function generateServeData(db: Db, posts: number, tags: number, days: number): Promise<number> {
  await db.transaction(async (tx) => {
    await tx.exec(`
      set local work_mem = '256MB';
      set local maintenance_work_mem = '1GB';
      truncate predictions, posts, runs cascade;
      truncate tag_daily, tag_pair_daily, sampled_daily, trend_periods, trend_posts;
      select setseed(0.42);`);
    // Bulk load without the indexes, then build them once (what a restore does).
    const indexes = await tx.query<{ name: string; def: string; constraint: boolean }>(
      `select i.relname as name, coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.oid)) as def,
              c.conname is not null as "constraint"
       from pg_index x join pg_class i on i.oid = x.indexrelid
       left join pg_constraint c on c.conindid = i.oid
       where x.indrelid = 'predictions'::regclass`,
    );
    for (const ix of indexes) {
      await tx.exec(
        ix.constraint ? `alter table predictions drop constraint ${ix.name}` : `drop index ${ix.name}`,
      );
    }
    await tx.query(
      `insert into runs (id, kind, status, started_at, finished_at, model_version)
       select 'bench-w' || lpad(w::text, 3, '0'), 'infer', 'succeeded',
              timestamptz '2024-07-01 00:00Z' + (w + 1) * interval '7 days',
              timestamptz '2024-07-01 00:00Z' + (w + 1) * interval '7 days' + interval '10 minutes', 'bench'
       from generate_series(0, ($1::int + 6) / 7) w`,
      [days],
    );
    await tx.query(
      `insert into tags (name) select 'tag' || lpad(i::text, 2, '0') from generate_series(1, $1) i
       on conflict (name) do nothing`,
      [tags],
    );
    await tx.query(
      `insert into posts (id, platform, source, created_at, doc, content_hash)
       select 'b' || i, (array['mastodon', 'bluesky', 'reddit'])[1 + i % 3], 'bench',
              timestamptz '2024-07-01 00:00Z' + (i::float8 / $1) * ($2 || ' days')::interval,
              jsonb_build_object('text', 'bench post ' || i, 'lang', (array['en', 'fr', 'de', 'es'])[1 + (i / 7) % 4]),
              'h' || i
       from generate_series(1, $1) i`,
      [posts, days],
    );
    // Tag k is predicted on ~(2 + 2k)% of posts; tag01 rises over time, tag02 bursts in one month.
    await tx.query(
      `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
       select 'bench-w' || lpad((floor((i::float8 / $1) * $3 / 7))::int::text, 3, '0'), 'b' || i, t.id, x.p,
              x.p >= 0.5, 'bench'
       from generate_series(1, $1) i
       cross join (select id, row_number() over (order by name) as k from tags where name like 'tag%' and length(name) = 5
                   order by name limit $2) t
       cross join lateral (select least(1.0, random() * 0.5 / greatest(0.05, 0.98 - 0.02 * t.k
         - case when t.k = 1 then 0.3 * i::float8 / $1 else 0 end
         - case when t.k = 2 and i % 24 = 5 then 0.5 else 0 end))::real as p) x`,
      [posts, tags, days],
    );
    for (const ix of indexes) {
      await tx.exec(
        ix.constraint ? `alter table predictions add constraint ${ix.name} ${ix.def}` : ix.def,
      );
    }
    await tx.exec(`create table if not exists bench_serve_data (version int, posts int, tags int, days int);
      truncate bench_serve_data`);
    await tx.query("insert into bench_serve_data values ($1, $2, $3, $4)", [DATA_VERSION, posts, tags, days]);
  });
  for (const table of ["posts", "runs", "predictions"]) await db.exec(`vacuum analyze ${table}`);
  const n = await db.query<{ n: number }>("select count(*)::int as n from predictions");
  return n[0].n;
}

/** Whether the database already holds this data set (the bench builds it once and reuses it). */
export async function hasServeData(db: Db, posts: number, tags: number, days: number): Promise<boolean> {
  const rows = await db.query<{ version: number; posts: number; tags: number; days: number }>(
    `select * from bench_serve_data`,
  ).catch(() => []);
  const r = rows[0];
  return !!r && r.version === DATA_VERSION && r.posts === posts && r.tags === tags && r.days === days;
}
