/**
 * The precomputed tables the routes read (trend_periods, trend_posts) against the per-request computation
 * they replace: sums over the daily aggregates, and the search of each post's newest run in predictions.
 */
import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { addDays, type TrendFilter } from "./_filter.ts";
import { type Bucket, readPeriods, sumPeriods } from "./_periods.ts";
import { periodSeries } from "./_series.ts";
import { refreshAggregates } from "./refresh.ts";
import { type SeedData, seedTrendData, syntheticTrendData } from "../../tests/support/trend_seed.ts";
import { mulberry32 } from "@/core/mod.ts";
import { topPosts } from "./top_posts.ts";
import { tagDistribution } from "./distribution.ts";
import { TREND_SERIES_BUILD, TREND_TABLES_BACKFILL } from "@/store/mod.ts";

/** 600 posts over 2026-01-01 .. 2026-06-28; a newer run rescoring 100 of them, a failed one 50. */
function fixture(): SeedData {
  const data = syntheticTrendData({ posts: 600 });
  const rand = mulberry32(11);
  data.runs.push(
    { id: "rescore", startedAt: "2026-07-01T00:00:00Z" },
    { id: "broken", startedAt: "2026-07-02T00:00:00Z", status: "failed" },
  );
  const first = data.predictions.slice();
  for (const [run, every] of [["rescore", 6], ["broken", 12]] as const) {
    for (const p of first) {
      if (Number(p.post.slice(1)) % every === 0) {
        data.predictions.push({ ...p, run, probability: Math.round(rand() * 1000) / 1000 });
      }
    }
  }
  return data;
}

/** Filters with ragged ends, open ends and each breakdown. */
function filters(n: number): TrendFilter[] {
  const rand = mulberry32(5);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const out: TrendFilter[] = [{}, { platform: "bluesky" }, { lang: "fr" }, {
    platform: "mastodon",
    lang: "de",
  }];
  while (out.length < n) {
    const from = addDays("2025-12-20", Math.floor(rand() * 200));
    out.push({
      from: pick([from, undefined]),
      to: pick([addDays(from, Math.floor(rand() * 90)), undefined]),
      platform: pick(["mastodon", "bluesky", undefined]),
      lang: pick(["en", "fr", "de", "und", undefined]),
    });
  }
  return out;
}

/** The condition the per-request SQL used over the daily aggregates. */
function dailyWhere(f: TrendFilter, params: unknown[]): string {
  const parts = ["true"];
  const add = (value: unknown, sql: string) => {
    params.push(value);
    parts.push(sql.replace("?", `$${params.length}`));
  };
  if (f.from) add(f.from, "day >= ?::date");
  if (f.to) add(f.to, "day <= ?::date");
  if (f.platform) add(f.platform, "platform = ?");
  if (f.lang) add(f.lang, "lang = ?");
  return parts.join(" and ");
}

async function dailySums(db: Db, f: TrendFilter) {
  const q = async (sql: string) => {
    const params: unknown[] = [];
    return await db.query<{ k: string; n: number }>(sql.replace("WHERE", dailyWhere(f, params)), params);
  };
  const posts = await q("select '' as k, coalesce(sum(posts), 0)::int as n from sampled_daily where WHERE");
  const tags = await q(
    "select tag_id::text as k, sum(tagged)::int as n from tag_daily where WHERE group by 1 having sum(tagged) > 0",
  );
  const probs = await q(
    `select tag_id::text as k, sum(round(prob_sum * 1000))::int as n from tag_daily where WHERE group by 1
     having sum(round(prob_sum * 1000)) > 0`,
  );
  const pairs = await q(
    "select tag_a || ',' || tag_b as k, sum(posts)::int as n from tag_pair_daily where WHERE group by 1",
  );
  const map = (rows: { k: string; n: number }[]) => new Map(rows.map((r) => [r.k, r.n]));
  return { posts: posts[0].n, tags: map(tags), probs: map(probs), pairs: map(pairs) };
}

const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

dbTest("the period rollups sum to the daily aggregates for any range and breakdown", async (db) => {
  await seedTrendData(db, fixture());
  await refreshAggregates(db);
  for (const f of filters(40)) {
    const rollups = sumPeriods(
      await readPeriods(db, f, { coarsest: "month", tags: true, probs: true, pairs: true }),
    );
    const daily = await dailySums(db, f);
    const what = JSON.stringify(f);
    assert.equal(rollups.posts, daily.posts, what);
    assert.deepEqual(sorted(rollups.tags), sorted(daily.tags), what);
    assert.deepEqual(sorted(rollups.probs), sorted(daily.probs), what);
    assert.deepEqual(sorted(rollups.pairs), sorted(daily.pairs), what);
  }
});

dbTest("periodSeries() gives each period's counts as grouping the daily aggregates does", async (db) => {
  await seedTrendData(db, fixture());
  await refreshAggregates(db);
  for (const f of filters(12)) {
    for (const bucket of ["day", "week", "month"] as Bucket[]) {
      const series = await periodSeries(db, bucket, f);
      const params: unknown[] = [bucket];
      const where = dailyWhere(f, params);
      const periods = await db.query<{ period: string; posts: number }>(
        `select to_char(date_trunc($1, day::timestamp), 'YYYY-MM-DD') as period, sum(posts)::int as posts
         from sampled_daily where ${where} group by 1 order by 1`,
        params,
      );
      const rows = await db.query<{ period: string; tag: string; n: number }>(
        `select to_char(date_trunc($1, d.day::timestamp), 'YYYY-MM-DD') as period, t.name as tag,
                sum(d.tagged)::int as n
         from tag_daily d join tags t on t.id = d.tag_id where ${where} group by 1, 2 having sum(d.tagged) > 0`,
        params,
      );
      const what = `${bucket} ${JSON.stringify(f)}`;
      assert.deepEqual(series.periods, periods, what);
      const flat = [...series.counts].flatMap(([tag, counts]) =>
        counts.flatMap((n, i) => (n > 0 ? [`${series.periods[i].period} ${tag} ${n}`] : []))
      );
      assert.deepEqual(flat.sort(), rows.map((r) => `${r.period} ${r.tag} ${r.n}`).sort(), what);
    }
  }
});

/** The precomputed tables, in key order. */
const precomputed = (db: Db) =>
  Promise.all([
    db.query(
      `select bucket, platform, lang, to_char(period, 'YYYY-MM-DD') as period, posts, tags, probs, pairs
              from trend_periods order by 1, 2, 3, 4`,
    ),
    db.query(`select post_id, run_id, to_char(day, 'YYYY-MM-DD') as day, platform, lang
              from trend_posts order by 1`),
    db.query<{ bucket: string; platform: string; lang: string; periods: string; posts: string }>(
      "select bucket, platform, lang, periods, posts from trend_series order by 1, 2, 3",
    ),
    db.query<{ bucket: string; platform: string; lang: string; id: number; counts: string; probs: string }>(
      "select bucket, platform, lang, tag_id as id, counts, probs from trend_series_tags order by 1, 2, 3, 4",
    ),
  ]);

dbTest(
  "migrations 6 and 7 fill the precomputed tables from existing aggregates as a refresh does",
  async (db) => {
    await seedTrendData(db, fixture());
    await refreshAggregates(db);
    const refreshed = await precomputed(db);
    assert.ok(refreshed[0].length > 100 && refreshed[1].length === 600);
    // Every breakdown has its day, week and month series (3 platforms and '*', 4 languages and 'und' and '*').
    assert.equal(refreshed[2].filter((s) => s.bucket === "day").length, refreshed[2].length / 3);
    assert.ok(refreshed[2].length >= 3 * 4 && refreshed[3].length > refreshed[2].length);
    await db.exec("truncate trend_periods, trend_posts, trend_series, trend_series_tags");
    await db.exec(TREND_TABLES_BACKFILL);
    await db.exec(TREND_SERIES_BUILD);
    assert.deepEqual(await precomputed(db), refreshed);
  },
);

dbTest("each stored series holds its breakdown's rollup rows, period by period", async (db) => {
  await seedTrendData(db, fixture());
  await refreshAggregates(db);
  await refreshAggregates(db, { from: "2026-02-27", to: "2026-03-02" }); // patched, not rebuilt
  const [rows, , series, tags] = await precomputed(db);
  assert.ok(tags.length > series.length);
  for (const s of series) {
    const mine = rows.filter((r) => r.bucket === s.bucket && r.platform === s.platform && r.lang === s.lang);
    assert.deepEqual(JSON.parse(s.periods), mine.map((r) => r.period));
    assert.deepEqual(JSON.parse(s.posts), mine.map((r) => r.posts));
    const ids = new Set(
      mine.flatMap((r) => [...Object.keys(r.tags as object), ...Object.keys(r.probs as object)]),
    );
    const own = tags.filter((t) => t.bucket === s.bucket && t.platform === s.platform && t.lang === s.lang);
    assert.deepEqual(own.map((t) => String(t.id)).sort(), [...ids].sort());
    for (const t of own) {
      for (const [column, text] of [["tags", t.counts], ["probs", t.probs]] as const) {
        assert.deepEqual(JSON.parse(text), mine.map((r) => (r[column] as Record<string, number>)[t.id] ?? 0));
      }
    }
  }
});

dbTest("a refresh of some days leaves the rollups as a full rebuild does", async (db) => {
  const data = fixture();
  await seedTrendData(db, data);
  await refreshAggregates(db);
  // A newer run rescores the posts of 2026-03-30 .. 2026-04-02 (a month and week boundary).
  const days = new Set(["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"]);
  const posts = new Set(data.posts.filter((p) => days.has(p.createdAt.slice(0, 10))).map((p) => p.id));
  assert.ok(posts.size > 5);
  await seedTrendData(db, {
    runs: [{ id: "late", startedAt: "2026-08-01T00:00:00Z" }],
    posts: [],
    predictions: data.predictions.filter((p) => p.run === "infer-synthetic" && posts.has(p.post)).map((
      p,
    ) => ({
      ...p,
      run: "late",
      probability: 1 - p.probability,
    })),
  });
  const snapshot = () => precomputed(db);
  // And every post of 2026-04-01 goes.
  await db.query(
    `delete from posts where created_at >= '2026-04-01T00:00:00Z' and created_at < '2026-04-02T00:00:00Z'`,
  );
  await refreshAggregates(db, { from: "2026-03-30", to: "2026-04-02" }); // weeks and months by difference
  const bounded = await snapshot();
  assert.ok(bounded[1].some((r) => r.run_id === "late"));
  assert.ok(!bounded[0].some((r) => r.bucket === "day" && r.period === "2026-04-01"));
  await refreshAggregates(db);
  assert.deepEqual(bounded, await snapshot());
  // A longer range (weeks and months summed again) after another change.
  await db.query(`delete from posts where created_at < '2026-02-10T00:00:00Z'`);
  await refreshAggregates(db, { from: "2025-12-01", to: "2026-02-28" });
  const long = await snapshot();
  await refreshAggregates(db);
  assert.deepEqual(long, await snapshot());
});

/** The per-request search the top posts route made before trend_posts: each post's newest run. */
async function topPostsLive(db: Db, tag: string, f: TrendFilter, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `select pr.post_id as id from predictions pr join runs r on r.id = pr.run_id join posts po on po.id = pr.post_id
     where pr.tag_id = (select id from tags where name = $1) and pr.predicted and r.status <> 'failed'
       and po.created_at is not null
       and ($2::date is null or po.created_at >= ($2::date)::timestamp at time zone 'UTC')
       and ($3::date is null or po.created_at < ($3::date + 1)::timestamp at time zone 'UTC')
       and ($4::text is null or po.platform = $4)
       and ($5::text is null or coalesce(nullif(po.doc ->> 'lang', ''), 'und') = $5)
       and not exists (
         select 1 from predictions p2 join runs r2 on r2.id = p2.run_id
         where p2.post_id = pr.post_id and r2.status <> 'failed'
           and (r2.started_at > r.started_at or (r2.started_at = r.started_at and r2.id > r.id)))
     order by pr.probability desc, pr.post_id limit $6`,
    [tag, f.from ?? null, f.to ?? null, f.platform ?? null, f.lang ?? null, limit],
  );
  return rows.map((r) => r.id);
}

dbTest("topPosts() through trend_posts equals the search of each post's newest run", async (db) => {
  await seedTrendData(db, fixture());
  await refreshAggregates(db);
  for (const [i, f] of filters(16).entries()) {
    const tag = ["ai", "cats", "eclipse", "music"][i % 4];
    const limit = [5, 50][i % 2];
    const got = (await topPosts(db, tag, { ...f, limit })).map((p) => p.id);
    assert.deepEqual(got, await topPostsLive(db, tag, f, limit), `${tag} ${JSON.stringify(f)}`);
  }
});

dbTest(
  "tagDistribution() with a limit reads fewer tags and gives the first series of the whole",
  async (db) => {
    await seedTrendData(db, fixture());
    await refreshAggregates(db);
    for (const f of filters(10)) {
      for (const bucket of ["day", "week", "month"] as Bucket[]) {
        const all = await tagDistribution(db, { ...f, bucket });
        for (const limit of [1, 3]) {
          const top = await tagDistribution(db, { ...f, bucket, limit });
          assert.deepEqual(
            top,
            { ...all, series: all.series.slice(0, limit) },
            `${bucket} ${limit} ${JSON.stringify(f)}`,
          );
        }
      }
    }
  },
);
