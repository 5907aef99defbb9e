/**
 * Serving benchmark on PostgreSQL: fills the database with synthetic predictions once (_serve_data.ts;
 * reused while it holds the same data set), times refreshAggregates (all days, then one day and one week
 * as an inference run's refresh does), and loads each trend route with autocannon (a separate node
 * process) against the app on 127.0.0.1 — with the response cache off (every request reaches
 * PostgreSQL) and on — one route at a time, then the whole route set mixed. Beside it, the peer: the
 * landed main's per-request SQL over the daily aggregates for the routes that were slow, timed on the
 * same data in the same run. Returns the figures; prints nothing.
 *
 * Load levels: the latency targets are judged at `latencyConnections` (8) concurrent connections, cached
 * and uncached; the throughput target on the mixed route set at `connections` (32), where each route is
 * also loaded alone for reference. At 32 closed-loop connections every route runs saturated: its p99 is
 * the queue of up to 31 responses on the server's one thread, which shares the 2 cores with the load
 * generator (measured: the cached daily distribution served ~6,500 req/s there, ~0.15 ms per response, and
 * its p99 was 19 ms; 5 ms at 8 connections).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Settings } from "@/config/mod.ts";
import { type Db, openDb } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { createApp } from "@/server/mod.ts";
import { startCluster } from "../tests/support/postgres_cluster.ts";
import { generateServeData, hasServeData } from "./_serve_data.ts";

export interface BenchServeOptions {
  /** Synthetic posts. @default 400_000 */
  posts?: number;
  /** Tags per post (one prediction row each). @default 25 */
  tags?: number;
  /** Days the posts span. @default 730 (24 months) */
  days?: number;
  /** Seconds of load per route and cache mode. @default 5 */
  seconds?: number;
  /** Concurrent connections of the throughput phase (the mixed route set, cache on). @default 32 */
  connections?: number;
  /** Concurrent connections the latency figures are measured at, cache on and off. @default 8 */
  latencyConnections?: number;
  /** Routes to load. @default BENCH_ROUTES */
  routes?: string[];
  /** Keep the data already there when it is the same data set. @default true */
  reuse?: boolean;
  /**
   * Host header the load generator sends (it must pass the API's Host allowlist).
   * @default the server's own 127.0.0.1:PORT
   */
  host?: string;
  /** Where autocannon is. @default node_modules/autocannon/autocannon.js */
  autocannonPath?: string;
}

/** What the dashboard asks, plus harder cases: the daily bucket, a ragged range, narrow top posts. */
export const BENCH_ROUTES = [
  "/api/tags",
  "/api/distribution?bucket=week",
  "/api/distribution?bucket=day&limit=8",
  "/api/distribution?bucket=month&platform=bluesky&lang=fr",
  "/api/growth?days=30",
  "/api/bursts?bucket=week",
  "/api/bursts",
  "/api/clusters",
  "/api/clusters?platform=mastodon&from=2025-03-15&to=2026-02-10",
  "/api/tags/tag01/top-posts?limit=10",
  "/api/tags/tag01/top-posts?limit=10&platform=bluesky&lang=fr",
  "/api/tags/tag05/top-posts?limit=10&from=2026-06-01&to=2026-06-01",
];

/** The targets on 10M prediction rows. */
export const TARGETS = { uncachedP50Ms: 20, uncachedP99Ms: 100, cachedP99Ms: 10, mixedRps: 2000 };

/** The load generator's Accept-Encoding, a browser's. */
export const ACCEPT_ENCODING = "gzip, deflate, br";

const AUTOCANNON = fileURLToPath(new URL("../node_modules/autocannon/autocannon.js", import.meta.url));

interface Load {
  p50_ms: number;
  p99_ms: number;
  rps: number;
  requests: number;
  /** Responses other than 2xx, plus connection errors and timeouts. */
  bad: number;
  /** Mean bytes read per response (headers and body, as sent: gzipped where it was). */
  kb_per_response: number;
}

/**
 * Runs autocannon in node against `paths` (cycled per connection); its JSON result, summarized. Bodies
 * are counted, not kept: autocannon 8 appends every body chunk to a string (UTF-8 decoding it), which for
 * gzipped bytes cost it more CPU than the server spent (one connection, cached daily distribution: 680
 * req/s gzipped against 1,818 plain; 2,210 gzipped once bodies were not decoded), and it shares the cores.
 */
async function cannon(
  base: string,
  paths: string[],
  options: { seconds: number; connections: number; host: string; autocannonPath: string },
): Promise<Load> {
  const config = {
    url: base,
    connections: options.connections,
    duration: options.seconds,
    // What a browser sends: the cached phase then measures the bytes a client gets (gzipped once).
    headers: { host: options.host, "accept-encoding": ACCEPT_ENCODING },
    requests: paths.map((path) => ({ method: "GET", path })),
  };
  const script = `const ac = require(process.argv[1]);
    const queue = require(require("path").join(require("path").dirname(process.argv[1]), "lib/pipelinedRequestsQueue.js"));
    queue.prototype.addBody = function () {};
    ac(JSON.parse(process.argv[2]), (err, r) => {
      if (err) { console.error(String(err)); process.exit(1); }
      console.log(JSON.stringify(r));
    });`;
  const out = await new Deno.Command("node", {
    args: ["-e", script, options.autocannonPath, JSON.stringify(config)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !text.trim()) {
    throw new Error(
      `Cannot run autocannon on "${base}${paths[0]}": ${new TextDecoder().decode(out.stderr).slice(-300)}`,
    );
  }
  const r = JSON.parse(text);
  return {
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    rps: Math.round(r.requests.average),
    requests: r.requests.total,
    bad: r.non2xx + r.errors + r.timeouts,
    kb_per_response: round(r.throughput.total / Math.max(1, r.requests.total) / 1024),
  };
}

/** Median ms of `n` sequential calls. */
async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return round(ts[Math.floor(n / 2)]);
}

/** The landed main's SQL (before the period rollups) for the routes that were slow, per request. */
const PEER_SQL: Record<string, string[]> = {
  "/api/distribution?bucket=week": [
    `select to_char(date_trunc('week', day::timestamp), 'YYYY-MM-DD'), sum(posts)::int from sampled_daily
     group by 1 order by 1`,
    `select to_char(date_trunc('week', d.day::timestamp), 'YYYY-MM-DD'), t.name, sum(d.tagged)::int,
            coalesce(sum(d.prob_sum), 0)::float8
     from tag_daily d join tags t on t.id = d.tag_id group by 1, 2`,
  ],
  "/api/clusters": [
    "select coalesce(sum(posts), 0)::int from sampled_daily",
    `select t.name, sum(d.tagged)::int from tag_daily d join tags t on t.id = d.tag_id
     group by 1 having sum(d.tagged) > 0 order by 1`,
    `select ta.name, tb.name, sum(d.posts)::int from tag_pair_daily d join tags ta on ta.id = d.tag_a
     join tags tb on tb.id = d.tag_b group by 1, 2 having sum(d.posts) >= 3 order by 1, 2`,
  ],
  "/api/tags/tag01/top-posts?limit=10&platform=bluesky&lang=fr": [
    `select pr.post_id, pr.probability from predictions pr join runs r on r.id = pr.run_id
     join posts po on po.id = pr.post_id
     where pr.tag_id = (select id from tags where name = 'tag01') and pr.predicted and r.status <> 'failed'
       and po.created_at is not null and po.platform = 'bluesky'
       and coalesce(nullif(po.doc ->> 'lang', ''), 'und') = 'fr'
       and not exists (select 1 from predictions p2 join runs r2 on r2.id = p2.run_id
         where p2.post_id = pr.post_id and r2.status <> 'failed'
           and (r2.started_at > r.started_at or (r2.started_at = r.started_at and r2.id > r.id)))
     order by pr.probability desc, pr.post_id limit 10`,
  ],
};

const loadAverage = () => Deno.loadavg().map((x) => round(x));

export async function benchServe(
  databaseUrl: string,
  options: BenchServeOptions = {},
): Promise<Record<string, unknown>> {
  const posts = options.posts ?? 400_000;
  const tags = options.tags ?? 25;
  const days = options.days ?? 730;
  const routes = options.routes ?? BENCH_ROUTES;
  const load = {
    seconds: options.seconds ?? 5,
    connections: options.connections ?? 32,
    latencyConnections: options.latencyConnections ?? 8,
  };
  const loadAtStart = loadAverage();
  const db = await openDb({ databaseUrl, dataDir: "" });
  try {
    const data = await ensureData(db, { posts, tags, days, reuse: options.reuse ?? true });
    const refresh = await timeRefresh(db);
    const uncached = await loadRoutes(db, routes, false, { ...options, ...load });
    const cached = await loadRoutes(db, routes, true, { ...options, ...load });
    const peer: Record<string, { main_daily_sql_ms: number; this_ms: number; ratio: number }> = {};
    const app = createApp({ db, options: { dashboard: false, serverCacheSeconds: 0 } });
    for (const [route, statements] of Object.entries(PEER_SQL)) {
      const main = await median(3, async () => {
        for (const sql of statements) await db.query(sql);
      });
      const ours = await median(5, async () => await (await app.request(route)).text());
      peer[route] = { main_daily_sql_ms: main, this_ms: ours, ratio: round(main / ours) };
    }
    return {
      data,
      refresh,
      load: {
        seconds_per_run: load.seconds,
        latency_connections: load.latencyConnections,
        throughput_connections: load.connections,
        host_header: options.host ?? "127.0.0.1:PORT",
        accept_encoding: ACCEPT_ENCODING,
      },
      uncached,
      cached,
      targets: TARGETS,
      targets_met: {
        uncached_p50: uncached.worst_p50_ms <= TARGETS.uncachedP50Ms,
        uncached_p99: uncached.worst_p99_ms <= TARGETS.uncachedP99Ms,
        cached_p99: cached.worst_p99_ms <= TARGETS.cachedP99Ms,
        mixed_rps: cached.mixed.rps >= TARGETS.mixedRps,
        no_errors: uncached.bad + cached.bad === 0,
      },
      peer: {
        what: "the landed main's per-request SQL over the daily aggregates (SQL only), against this " +
          "route end to end (cache off), one request at a time, same data",
        routes: peer,
      },
      machine_load_average: { start: loadAtStart, end: loadAverage(), cpus: navigator.hardwareConcurrency },
    };
  } finally {
    await db.close();
  }
}

async function ensureData(
  db: Db,
  o: { posts: number; tags: number; days: number; reuse: boolean },
): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  if (!o.reuse || !(await hasServeData(db, o.posts, o.tags, o.days))) {
    const rows = await generateServeData(db, o.posts, o.tags, o.days);
    return { ...o, prediction_rows: rows, generated_s: round((performance.now() - t0) / 1000) };
  }
  const n = await db.query<{ n: number }>("select count(*)::int as n from predictions");
  return { ...o, prediction_rows: n[0].n, reused: true };
}

/** The full refresh (after a bulk load) and the bounded ones an inference run makes. */
async function timeRefresh(db: Db): Promise<Record<string, unknown>> {
  const seconds = async (options: { from?: string; to?: string }) => {
    const t0 = performance.now();
    const summary = await refreshAggregates(db, options);
    return { s: round((performance.now() - t0) / 1000), summary };
  };
  const full = await seconds({});
  const day = await seconds({ from: "2026-06-01", to: "2026-06-01" });
  const week = await seconds({ from: "2026-06-01", to: "2026-06-07" });
  return {
    full_s: full.s,
    one_day_s: day.s,
    one_week_s: week.s,
    full_rows: {
      posts: full.summary.posts,
      tag_daily: full.summary.tagRows,
      tag_pair_daily: full.summary.pairRows,
      trend_periods: full.summary.periodRows,
    },
  };
}

interface ModeFigures {
  /** Each route alone at the latency connections. */
  routes: Record<string, Load>;
  /** With the cache on: each route alone at the throughput connections (saturated; for reference). */
  saturated?: Record<string, Load>;
  /** Median of single requests in process, one at a time (no socket, no queueing). */
  one_at_a_time_ms: Record<string, number>;
  /** Every route in turn on each connection: at the throughput connections with the cache on. */
  mixed: Load;
  worst_p50_ms: number;
  worst_p99_ms: number;
  saturated_worst_p99_ms?: number;
  bad: number;
}

async function loadRoutes(
  db: Db,
  routes: string[],
  cached: boolean,
  o: BenchServeOptions & { seconds: number; connections: number; latencyConnections: number },
): Promise<ModeFigures> {
  const app = createApp({ db, options: { dashboard: false, serverCacheSeconds: cached ? 600 : 0 } });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const settings = {
    seconds: o.seconds,
    connections: o.latencyConnections,
    host: o.host ?? `127.0.0.1:${server.addr.port}`,
    autocannonPath: o.autocannonPath ?? AUTOCANNON,
  };
  const throughput = { ...settings, connections: cached ? o.connections : o.latencyConnections };
  try {
    const perRoute: Record<string, Load> = {};
    const saturated: Record<string, Load> = {};
    const single: Record<string, number> = {};
    for (const route of routes) {
      const warm = await app.request(route); // fills the cache; fails loudly on a broken route
      if (warm.status !== 200) throw new Error(`Cannot bench "${route}": it answered ${warm.status}`);
      await warm.body?.cancel();
      single[route] = await median(9, async () => await (await app.request(route)).text());
      // One second unmeasured first: the server's compiled code and the gzipped copy are warm.
      await cannon(base, [route], { ...settings, seconds: 1 });
      perRoute[route] = await cannon(base, [route], settings);
      if (cached) saturated[route] = await cannon(base, [route], throughput);
    }
    const mixed = await cannon(base, routes, throughput);
    const all = Object.values(perRoute);
    return {
      routes: perRoute,
      ...(cached ? { saturated } : {}),
      one_at_a_time_ms: single,
      mixed,
      worst_p50_ms: Math.max(...all.map((r) => r.p50_ms)),
      worst_p99_ms: Math.max(...all.map((r) => r.p99_ms)),
      ...(cached
        ? { saturated_worst_p99_ms: Math.max(...Object.values(saturated).map((r) => r.p99_ms)) }
        : {}),
      bad: [...all, ...Object.values(saturated)].reduce((s, r) => s + r.bad, mixed.bad),
    };
  } finally {
    await server.shutdown();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * `deno task bench serve`: on BENCH_DATABASE_URL when set (its tables are replaced), else on a cluster
 * of its own kept in data/bench/serve-pg, so that the 10M rows are built once (minutes) and reused.
 */
export async function run(settings: Settings): Promise<Record<string, unknown>> {
  const given = Deno.env.get("BENCH_DATABASE_URL");
  if (given) return await benchServe(given);
  const cluster = await startCluster({
    dir: join(settings.dataDir, "bench", "serve-pg"),
    settings: { shared_buffers: "1GB", max_wal_size: "8GB", checkpoint_timeout: "30min" },
  });
  try {
    return await benchServe(cluster.url);
  } finally {
    await cluster.stop();
  }
}
