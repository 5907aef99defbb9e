/**
 * The API against hostile requests: dates outside a sane range, a foreign Host (DNS rebinding), security
 * headers, 5xx logged for operators and never shown, runs without paths or raw errors for readers, tag
 * names real data sets use, a query over its time limit.
 */
import assert from "node:assert/strict";
import { freshPglite, freshPostgres, postgresAvailable } from "../../tests/support/db.ts";
import { openDb } from "@/store/mod.ts";
import type { Db } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { seedTrendData, syntheticTrendData } from "../../tests/support/trend_seed.ts";
import { createApp } from "./app.ts";
import { defaultAllowedHosts, isQueryTimeout, type ServerEvent } from "./_security.ts";

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/** Real data sets' tag names, and a few that take care in URLs and pages. */
const ODD_TAGS: Record<string, string> = {
  cats: "film_tv_&_video",
  dogs: "arts_&_culture",
  food: "news/politics",
  music: "日本語 音楽",
  sports: "<img src=x onerror=alert(1)>",
  travel: "100% real?#",
};

async function seeded(db: Db): Promise<void> {
  const data = syntheticTrendData({ posts: 300 });
  for (const p of data.predictions) p.tag = ODD_TAGS[p.tag] ?? p.tag;
  await seedTrendData(db, data);
  await db.query(
    `update runs set params = '{"source": "jsonl:/home/ana/private/export.jsonl"}',
       summary = '{"read": 12, "stored": 10, "error": "Cannot read \\"/home/ana/private/x.jpg\\": EACCES", "reasons": {"media file not found: \\"/home/ana/a.jpg\\"": 2}}'`,
  );
  await refreshAggregates(db);
}

/** One raw HTTP/1.1 request over TCP, so the Host header is exactly what a browser would send. */
async function rawGet(port: number, path: string, host: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  const text = await new Response(conn.readable).text();
  return { status: Number(text.split(" ")[1]), text };
}

Deno.test({
  name: "the API refuses hostile requests with a 4xx, sends security headers and logs its 5xx",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const db = await freshPglite();
    try {
      await seeded(db);
      const events: ServerEvent[] = [];
      const app = createApp({
        db,
        options: {
          adminToken: "adm1n",
          allowedHosts: ["127.0.0.1:8000", "localhost"],
          logger: (e) => events.push(e),
        },
      });
      const get = (path: string, headers: Record<string, string> = {}) =>
        app.request(`http://127.0.0.1:8000${path}`, { headers });

      await t.step("dates outside 1970-2099 answer 400, not 500", async () => {
        for (
          const url of [
            "/api/tags?from=0000-01-01",
            "/api/tags?to=9999-12-31",
            "/api/distribution?from=1969-12-31",
            "/api/growth?to=0001-01-01",
            "/api/bursts?from=2100-01-01",
            "/api/clusters?to=0000-01-01",
            "/api/tags/cats/top-posts?from=0000-01-01",
          ]
        ) {
          const res = await json(await get(url));
          assert.equal(res.status, 400, url);
          assert.match(res.body.error, /outside 1970-01-01 to 2099-12-31/, url);
        }
      });

      await t.step("a foreign Host is refused before any route runs", async () => {
        const server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen: () => {} },
          createApp({
            db,
            options: { allowedHosts: defaultAllowedHosts("127.0.0.1", 0).map((h) => h.replace(/:0$/, "")) },
          }).fetch,
        );
        try {
          const port = server.addr.port;
          const evil = await rawGet(port, "/api/tags", "evil.example");
          assert.equal(evil.status, 421);
          assert.match(evil.text, /Cannot serve host \\"evil\.example\\": it is not in API_ALLOWED_HOSTS/);
          assert.doesNotMatch(evil.text, /film_tv/);
          assert.equal((await rawGet(port, "/", `evil.example:${port}`)).status, 421);
          assert.equal((await rawGet(port, "/api/tags", `127.0.0.1:${port}`)).status, 200);
          assert.equal((await rawGet(port, "/api/tags", `localhost:${port}`)).status, 200);
        } finally {
          await server.shutdown();
        }
        assert.equal((await get("/api/health", { host: "evil.example" })).status, 421);
        assert.equal((await get("/api/health", { host: "LOCALHOST:1234" })).status, 200);
        assert.deepEqual(defaultAllowedHosts("127.0.0.1", 8000), [
          "127.0.0.1:8000",
          "localhost:8000",
          "[::1]:8000",
        ]);
        assert.deepEqual(defaultAllowedHosts("tagger.example", 80), ["tagger.example:80", "tagger.example"]);
      });

      await t.step(
        "every answer carries CSP (self only, no inline), nosniff and frame-ancestors 'none'",
        async () => {
          for (const path of ["/", "/assets/dashboard.js", "/api/tags", "/api/nothing", "/api/docs"]) {
            const res = await get(path);
            await res.body?.cancel();
            const csp = res.headers.get("content-security-policy") ?? "";
            assert.match(csp, /default-src 'self'/, path);
            assert.match(csp, /frame-ancestors 'none'/, path);
            assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
            assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
          }
          const docs = await (await get("/api/docs")).text();
          assert.doesNotMatch(docs, /<style|<script(?! src)|style="/, "the docs page works under the CSP");
        },
      );

      await t.step("tag names as data sets write them work in the URL", async () => {
        const tags = (await json(await get("/api/tags"))).body.tags.map((x: { name: string }) => x.name);
        for (const name of Object.values(ODD_TAGS)) {
          assert.ok(tags.includes(name), name);
          const res = await json(await get(`/api/tags/${encodeURIComponent(name)}/top-posts?limit=2`));
          assert.equal(res.status, 200, name);
          assert.equal(res.body.tag, name);
          assert.equal(res.body.posts.length, 2, name);
          const dist = await json(await get(`/api/distribution?${new URLSearchParams({ tag: name })}`));
          assert.deepEqual(dist.body.series.map((s: { tag: string }) => s.tag), [name]);
        }
        const bad = await json(await get(`/api/tags/${encodeURIComponent(" padded")}/top-posts`));
        assert.equal(bad.status, 400);
        assert.match(bad.body.error, /leading or trailing spaces/);
      });

      await t.step("runs show readers no file path or raw error text; the admin sees them", async () => {
        const reader = await (await get("/api/runs")).text();
        assert.doesNotMatch(reader, /home\/ana|EACCES|private/);
        const runs = JSON.parse(reader).runs;
        assert.ok(runs.length > 0);
        assert.equal(runs[0].summary.read, 12);
        assert.equal(runs[0].summary.stored, 10);
        const admin = await (await get("/api/runs", { authorization: "Bearer adm1n" })).text();
        assert.match(admin, /home\/ana\/private\/export\.jsonl/);
        assert.match(admin, /EACCES/);
      });

      await t.step("a failing query answers 500 without its text and is logged for operators", async () => {
        events.length = 0;
        const broken: Db = {
          ...db,
          query: () => Promise.reject(new Error('relation "secret_table" is on fire at /srv/db')),
        };
        const failing = createApp({
          db: broken,
          options: { dashboard: false, serverCacheSeconds: 0, logger: (e) => events.push(e) },
        });
        const res = await failing.request("/api/runs?limit=3");
        const text = await res.text();
        assert.equal(res.status, 500);
        assert.doesNotMatch(text, /secret_table|srv/);
        assert.equal(events.length, 1);
        assert.deepEqual(
          { method: events[0].method, path: events[0].path, status: events[0].status },
          { method: "GET", path: "/api/runs", status: 500 },
        );
        assert.match(events[0].error ?? "", /secret_table is on fire|secret_table" is on fire/);
      });

      await t.step("a query cancelled by statement_timeout answers 503 and says so", async () => {
        const slow: Db = {
          ...db,
          query: () =>
            Promise.reject(
              Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }),
            ),
        };
        const res = await json(
          await createApp({ db: slow, options: { dashboard: false, serverCacheSeconds: 0 } }).request(
            "/api/runs",
          ),
        );
        assert.equal(res.status, 503);
        assert.match(res.body.error, /took longer than the API's statement timeout/);
      });
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "the server's statement_timeout cancels a slow query on PostgreSQL",
  ignore: !postgresAvailable() && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pg = (await freshPostgres())!;
    const db = await openDb({ databaseUrl: pg.url, dataDir: "unused" }, { statementTimeoutMs: 200 });
    try {
      const err = await db.query("select pg_sleep(3)").catch((e) => e);
      assert.ok(isQueryTimeout(err), String(err));
      assert.deepEqual(await db.query("select 1 as one"), [{ one: 1 }]); // the connection lives on
    } finally {
      await db.close();
      await pg.db.close();
    }
  },
});
