/**
 * Serving benchmark: fills a PostgreSQL database with synthetic predictions by SQL (generate_series:
 * `posts` x `tags` rows over `days` days), times refreshAggregates, then loads each trend route with
 * autocannon (a separate node process) against the app on 127.0.0.1 — with the response cache on
 * (steady state) and off (every request reaches PostgreSQL). Returns the figures; prints nothing.
 *
 * The caller provides the database (a throwaway one: everything in it may be replaced), e.g.
 * `startCluster()` from tests/support/postgres_cluster.ts.
 */
import { fileURLToPath } from "node:url";
import { type Db, openDb } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { createApp } from "@/server/mod.ts";
import { startCluster } from "../tests/support/postgres_cluster.ts";

export interface BenchServeOptions {
  /** Synthetic posts. @default 400_000 */
  posts?: number;
  /** Tags per post (one prediction row each). @default 25 */
  tags?: number;
  /** Days the posts span. @default 730 (24 months) */
  days?: number;
  /** Seconds of load per route and cache mode. @default 5 */
  seconds?: number;
  /** Concurrent connections of autocannon with the response cache on. @default 32 */
  connections?: number;
  /** Concurrent connections with the cache off (each request queries PostgreSQL). @default 8 */
  uncachedConnections?: number;
  /** Routes to load. @default the trend routes */
  routes?: string[];
  /** Keep the data already there when it has the expected row count. @default true */
  reuse?: boolean;
  /** Where autocannon is. @default node_modules/autocannon/autocannon.js */
  autocannonPath?: string;
}

export const BENCH_ROUTES = [
  "/api/tags",
  "/api/distribution?bucket=week",
  "/api/distribution?bucket=month&platform=bluesky&lang=fr",
  "/api/growth?days=30",
  "/api/bursts?bucket=week",
  "/api/clusters",
  "/api/tags/tag01/top-posts?limit=10",
];

const AUTOCANNON = fileURLToPath(new URL("../node_modules/autocannon/autocannon.js", import.meta.url));

/** Writes the synthetic predictions (replacing any) and returns the prediction row count. */
async function generate(db: Db, posts: number, tags: number, days: number): Promise<number> {
  await db.transaction(async (tx) => {
    await tx.exec(`
      truncate predictions, tag_daily, tag_pair_daily, sampled_daily, posts cascade;
      delete from runs where id = 'bench-infer';
      alter table predictions drop constraint if exists predictions_pkey;
      drop index if exists predictions_post;
      drop index if exists predictions_tag_prob;
      select setseed(0.42);`);
    await tx.query(
      `insert into runs (id, kind, status, started_at, finished_at, model_version)
       values ('bench-infer', 'infer', 'succeeded', now(), now(), 'bench')`,
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
       select 'bench-infer', 'b' || i, t.id, x.p, x.p >= 0.5, 'bench'
       from generate_series(1, $1) i
       cross join (select id, row_number() over (order by name) as k from tags where name like 'tag%' and length(name) = 5
                   order by name limit $2) t
       cross join lateral (select least(1.0, random() * 0.5 / greatest(0.05, 0.98 - 0.02 * t.k
         - case when t.k = 1 then 0.3 * i::float8 / $1 else 0 end
         - case when t.k = 2 and i % 24 = 5 then 0.5 else 0 end))::real as p) x`,
      [posts, tags],
    );
    await tx.exec(`
      alter table predictions add primary key (run_id, post_id, tag_id);
      create index predictions_post on predictions (post_id);
      create index predictions_tag_prob on predictions (tag_id, probability desc);`);
  });
  await db.exec("analyze posts; analyze predictions");
  const n = await db.query<{ n: number }>("select count(*)::int as n from predictions");
  return n[0].n;
}

interface CannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}

async function cannon(
  path: string,
  url: string,
  seconds: number,
  connections: number,
): Promise<CannonResult> {
  const out = await new Deno.Command("node", {
    args: [path, "-j", "-c", String(connections), "-d", String(seconds), url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !text.trim()) {
    throw new Error(`Cannot run autocannon on "${url}": ${new TextDecoder().decode(out.stderr).slice(-300)}`);
  }
  return JSON.parse(text) as CannonResult;
}

export async function benchServe(
  databaseUrl: string,
  options: BenchServeOptions = {},
): Promise<Record<string, number | string>> {
  const posts = options.posts ?? 400_000;
  const tags = options.tags ?? 25;
  const days = options.days ?? 730;
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 32;
  const routes = options.routes ?? BENCH_ROUTES;
  const figures: Record<string, number | string> = {
    posts,
    tags,
    days,
    connections,
    seconds_per_route: seconds,
  };
  const db = await openDb({ databaseUrl, dataDir: "" });
  try {
    const existing = await db.query<{ n: number }>("select count(*)::int as n from predictions");
    let t0 = performance.now();
    if (!(options.reuse ?? true) || existing[0].n !== posts * tags) {
      figures.prediction_rows = await generate(db, posts, tags, days);
      figures.generate_s = round((performance.now() - t0) / 1000);
    } else figures.prediction_rows = existing[0].n;
    t0 = performance.now();
    const summary = await refreshAggregates(db);
    figures.refresh_full_s = round((performance.now() - t0) / 1000);
    figures.refresh_tag_rows = summary.tagRows;
    figures.refresh_pair_rows = summary.pairRows;
    t0 = performance.now();
    await refreshAggregates(db, { from: "2026-06-01", to: "2026-06-07" });
    figures.refresh_one_week_s = round((performance.now() - t0) / 1000);

    for (const cache of [true, false]) {
      const app = createApp({ db, options: { dashboard: false, serverCacheSeconds: cache ? 600 : 0 } });
      const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
      const base = `http://127.0.0.1:${server.addr.port}`;
      const mode = cache ? "cached" : "uncached";
      try {
        let worstP99 = 0, minRps = Infinity, totalBad = 0;
        for (const route of routes) {
          const warm = await app.request(route); // fill the cache; fail loudly on a broken route
          if (warm.status !== 200) throw new Error(`Cannot bench "${route}": it answered ${warm.status}`);
          await warm.body?.cancel();
          const conns = cache ? connections : (options.uncachedConnections ?? 8);
          const r = await cannon(options.autocannonPath ?? AUTOCANNON, base + route, seconds, conns);
          const name = route.replace(/^\/api\//, "").replace(/[^a-z0-9]+/gi, "_").replace(/_+$/, "");
          figures[`${mode}_${name}_p50_ms`] = r.latency.p50;
          figures[`${mode}_${name}_p99_ms`] = r.latency.p99;
          figures[`${mode}_${name}_rps`] = Math.round(r.requests.average);
          worstP99 = Math.max(worstP99, r.latency.p99);
          minRps = Math.min(minRps, r.requests.average);
          totalBad += r.non2xx + r.errors;
        }
        figures[`${mode}_worst_p99_ms`] = worstP99;
        figures[`${mode}_min_rps`] = Math.round(minRps);
        figures[`${mode}_non2xx_or_errors`] = totalBad;
      } finally {
        await server.shutdown();
      }
    }
    return figures;
  } finally {
    await db.close();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** `deno task bench serve`: the trend routes over 10M predictions in a throwaway PostgreSQL. */
export async function run(): Promise<Record<string, unknown>> {
  const cluster = await startCluster();
  try {
    return { ...await benchServe(cluster.url) };
  } finally {
    await cluster.stop();
  }
}
