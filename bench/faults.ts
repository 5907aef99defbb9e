/**
 * `deno task bench faults`: how the pipeline takes hostile input, kills and malformed requests.
 *
 * - Jobs: the hostile corpus (tests/support/hostile_corpus.ts) through `deno task ingest`, `preprocess`
 *   and `infer`, each killed with SIGKILL three times at seeded random points and then rerun, on
 *   PostgreSQL and on PGlite, against an uninterrupted run (tests/support/faults.ts). Figures: rows tried
 *   and accounted for, crashes, kills survived, duplicates and losses after resume (targets 0).
 * - API: seeded malformed requests against every operation the OpenAPI document lists (bad dates,
 *   numbers, encodings, junk keys, bodies, methods, hosts, tokens). Figures: requests tried, answers by
 *   class, 5xx answers (target 0).
 */
import { createApp } from "@/server/mod.ts";
import type { Settings } from "@/config/mod.ts";
import { createRng } from "@/core/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { seedTrendData, syntheticTrendData } from "../tests/support/trend_seed.ts";
import { freshPglite, postgresAvailable } from "../tests/support/db.ts";
import { type FaultReport, runFaults, STAGES } from "../tests/support/faults.ts";

export interface FaultFigures {
  jobs: Record<string, JobFigures | string>;
  api: ApiFigures;
}

interface JobFigures {
  rows_tried: number;
  rows_accounted_for: number;
  crashes: number;
  kills: number;
  kills_survived: number;
  duplicates_after_resume: number;
  losses_after_resume: number;
  outside_bytes_in_blobs: number;
  stages: FaultReport["stages"];
}

interface ApiFigures {
  malformed_requests: number;
  answers: Record<string, number>;
  server_errors_5xx: number;
  /** The first few requests that got a 5xx, to fix. */
  examples_5xx: string[];
}

/** The `deno task bench faults` entry. */
export function run(_settings: Settings): Promise<Record<string, unknown>> {
  return benchFaults().then((f) => ({ ...f }));
}

export async function benchFaults(
  options: { kills?: number; requests?: number } = {},
): Promise<FaultFigures> {
  const jobs: FaultFigures["jobs"] = {};
  for (const engine of ["postgres", "pglite"] as const) {
    if (engine === "postgres" && !postgresAvailable()) {
      jobs[engine] = "PostgreSQL not installed";
      continue;
    }
    const r = await runFaults({ engine, kills: options.kills ?? 3, seed: 1 });
    const sum = (f: (s: FaultReport["stages"]["ingest"]) => number) =>
      STAGES.reduce((n, stage) => n + f(r.stages[stage]), 0);
    jobs[engine] = {
      rows_tried: r.rowsTried,
      rows_accounted_for: r.accountedFor,
      crashes: sum((s) => s.crashes),
      kills: sum((s) => s.kills),
      // A kill survived: it hit a running job, and the rerun ended with exactly the uninterrupted rows.
      kills_survived: sum((s) => (s.duplicates + s.losses === 0 ? s.killsLanded : 0)),
      duplicates_after_resume: sum((s) => s.duplicates),
      losses_after_resume: sum((s) => s.losses),
      outside_bytes_in_blobs: r.outsideBytesInBlobs,
      stages: r.stages,
    };
  }
  return { jobs, api: await fuzzApi(options.requests ?? 3000) };
}

const HOSTILE_VALUES = [
  "",
  " ",
  "0000-01-01",
  "9999-12-31",
  "2026-02-30",
  "2026-13-01",
  "1969-12-31",
  "-1",
  "0",
  "1e309",
  "-1e309",
  "NaN",
  "Infinity",
  "99999999999999999999999",
  "0x10",
  "1.5",
  "true",
  "null",
  "undefined",
  "[]",
  "{}",
  "%00",
  "\u0000",
  "../../etc/passwd",
  "' or 1=1 --",
  "<script>alert(1)</script>",
  "x".repeat(10_000),
  "日本語",
  "film_tv_&_video",
  "ai",
  "mastodon",
  "en",
  "week",
];

const ODD_SEGMENTS = [
  "%ED%A0%80",
  "%FF%FE",
  "%ZZ",
  "%",
  "%2e%2e",
  "%C0%AF",
  "%00",
  "%E2%80%AE",
  "a%2Fb",
  "..%2F..",
  "x".repeat(3000),
];

/** Malformed requests against every operation of the app's own OpenAPI document; counts answers by class. */
export async function fuzzApi(requests: number, seed = 1): Promise<ApiFigures> {
  const db = await freshPglite();
  try {
    await seedTrendData(db, syntheticTrendData({ posts: 400 }));
    await refreshAggregates(db);
    const app = createApp({
      db,
      options: { adminToken: "adm1n", allowedHosts: ["localhost"], dashboard: false, serverCacheSeconds: 0 },
    });
    const doc = await (await app.request("http://localhost/api/openapi.json")).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, params: op.parameters ?? [] }))
    );
    const rand = createRng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const answers: Record<string, number> = {};
    const examples: string[] = [];
    let fives = 0;
    for (let i = 0; i < requests; i++) {
      const op = pick(ops);
      let path = op.path.replace(
        /\{(\w+)\}/g,
        () => rand() < 0.5 ? pick(ODD_SEGMENTS) : encodeURIComponent(pick(HOSTILE_VALUES)),
      );
      if (rand() < 0.05) path = `${path}/${pick(ODD_SEGMENTS)}`;
      const parts: string[] = [];
      for (const p of op.params.filter((p) => p.in === "query")) {
        if (rand() < 0.6) parts.push(`${p.name}=${encodeURIComponent(pick(HOSTILE_VALUES))}`);
        if (rand() < 0.1) parts.push(`${p.name}=${pick(ODD_SEGMENTS)}`); // repeated, or bad encoding
      }
      if (rand() < 0.2) {
        parts.push(`${pick(["junk", "__proto__", "constructor", "%ZZ"])}=${pick(ODD_SEGMENTS)}`);
      }
      const method = rand() < 0.9
        ? op.method.toUpperCase()
        : pick(["PUT", "DELETE", "PATCH", "POST", "OPTIONS"]);
      const headers: Record<string, string> = {};
      if (rand() < 0.3) {
        headers.authorization = pick([
          "Bearer adm1n",
          "Bearer wrong",
          "Basic x",
          "Bearer",
          "Bearer " + "a".repeat(5000),
        ]);
      }
      if (rand() < 0.05) headers.host = pick(["evil.example", "localhost:99999", "[::1", "localhost"]);
      if (rand() < 0.1) headers["if-none-match"] = pick(['"x"', "*", "W/", "\u00ff"]);
      let body: string | undefined;
      if (method === "POST") {
        headers["content-type"] = pick([
          "application/json",
          "text/plain",
          "application/x-www-form-urlencoded",
        ]);
        body = pick([
          '{"from":"0000-01-01"}',
          "{not json",
          '{"from":[1,2]}',
          "[]",
          "null",
          '{"a":' + "[".repeat(5000),
          "",
        ]);
      }
      const url = `http://localhost${path}${parts.length ? `?${parts.join("&")}` : ""}`;
      let status: number;
      try {
        const res = await app.request(url, { method, headers, body });
        status = res.status;
        await res.body?.cancel();
      } catch (err) {
        status = 599; // the app threw instead of answering
        examples.length < 10 &&
          examples.push(`${method} ${url.slice(0, 200)}: threw ${(err as Error).message}`);
      }
      const cls = `${Math.floor(status / 100)}xx`;
      answers[cls] = (answers[cls] ?? 0) + 1;
      if (status >= 500) {
        fives++;
        if (examples.length < 10) examples.push(`${method} ${url.slice(0, 200)} -> ${status}`);
      }
    }
    return { malformed_requests: requests, answers, server_errors_5xx: fives, examples_5xx: examples };
  } finally {
    await db.close();
  }
}
