import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { dbTest, freshPglite } from "../../tests/support/db.ts";
import { type Db, LATEST_VERSION } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { seedTrendData, syntheticTrendData } from "../../tests/support/trend_seed.ts";
import { createApp } from "./app.ts";

async function seeded(db: Db): Promise<void> {
  await seedTrendData(db, syntheticTrendData({ posts: 600 }));
  await db.query(
    `insert into models (version, status, metrics, path) values ('fusion-v1', 'current', '{"f1": 0.5}', 'models/fusion-v1')`,
  );
  await refreshAggregates(db);
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

dbTest("the API answers every metric route from the aggregates", async (db) => {
  await seeded(db);
  const app = createApp({ db, options: { dashboard: false } });
  const tags = await json(await app.request("/api/tags"));
  assert.equal(tags.status, 200);
  assert.equal(tags.body.posts, 600);
  assert.deepEqual(tags.body.facets.platforms, ["bluesky", "mastodon"]);
  assert.equal(tags.body.tags.length, 8);
  const dist = await json(await app.request("/api/distribution?bucket=month&tag=ai&tag=cats"));
  assert.deepEqual(dist.body.series.map((s: { tag: string }) => s.tag).sort(), ["ai", "cats"]);
  assert.equal(dist.body.periods.length, 7); // 2025-12-31 .. 2026-06-28
  const ai = dist.body.series.find((s: { tag: string }) => s.tag === "ai").shares;
  assert.ok(ai.at(-1) > ai[0], "ai rises in the synthetic set");
  const growth = await json(await app.request("/api/growth?days=60"));
  assert.ok(growth.body.tags.slice(0, 2).some((t: { tag: string }) => t.tag === "ai"));
  const bursts = await json(await app.request("/api/bursts?bucket=week&active=true&minCount=3"));
  assert.deepEqual(bursts.body.bursts.map((b: { tag: string }) => b.tag), ["eclipse"]);
  const clusters = await json(await app.request("/api/clusters?weight=jaccard"));
  assert.equal(clusters.body.nodes.length, 8);
  assert.ok(clusters.body.edges.length > 0);
  const top = await json(await app.request("/api/tags/ai/top-posts?limit=3&snippet=12"));
  assert.equal(top.body.posts.length, 3);
  assert.ok(top.body.posts[0].probability >= top.body.posts[2].probability);
  assert.ok(top.body.posts.every((p: { snippet: string }) => p.snippet.length <= 12));
  const runs = await json(await app.request("/api/runs?kind=infer"));
  assert.deepEqual(runs.body.runs.map((r: { id: string }) => r.id), ["infer-synthetic"]);
  const models = await json(await app.request("/api/models"));
  assert.equal(models.body.current.version, "fusion-v1");
  const health = await json(await app.request("/api/health"));
  assert.equal(health.body.status, "ok");
  assert.equal(health.body.db.schemaVersion, LATEST_VERSION);
  assert.equal(health.body.lastInferRun.id, "infer-synthetic");
});

Deno.test({
  name: "the API validates parameters, guards tokens, caches with ETags and hides errors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const db = await freshPglite();
    try {
      await seeded(db);
      const app = createApp({
        db,
        options: { readToken: "r3ad", adminToken: "adm1n", corsOrigins: ["https://bi.example"] },
      });
      const read = { authorization: "Bearer r3ad" };

      await t.step("a bad parameter answers 400 naming it", async (t) => {
        const cases: [string, string][] = [
          ["/api/distribution?bucket=year", "bucket"],
          ["/api/distribution?from=2026-13-01", "from"],
          ["/api/distribution?from=2026-02-30", "from"],
          ["/api/distribution?platform=Mast%20odon", "platform"],
          ["/api/distribution?lang=english", "lang"],
          ["/api/distribution?limit=0", "limit"],
          ["/api/growth?days=abc", "days"],
          ["/api/growth?minCount=-1", "minCount"],
          ["/api/growth?colour=red", "colour"],
          ["/api/bursts?window=1", "window"],
          ["/api/bursts?threshold=x", "threshold"],
          ["/api/bursts?active=yes", "active"],
          ["/api/clusters?weight=cosine", "weight"],
          ["/api/tags/ai/top-posts?limit=1000", "limit"],
          ["/api/runs?kind=deploy", "kind"],
          ["/api/models?limit=0", "limit"],
          ["/api/tags?to=soon", "to"],
        ];
        for (const [url, parameter] of cases) {
          await t.step(url, async () => {
            const res = await json(await app.request(url, { headers: read }));
            assert.equal(res.status, 400);
            assert.equal(res.body.parameter, parameter);
            assert.match(res.body.error, new RegExp(`^Invalid parameter "${parameter}"`));
          });
        }
        const reversed = await json(
          await app.request("/api/clusters?from=2026-05-01&to=2026-04-01", { headers: read }),
        );
        assert.equal(reversed.status, 400);
        assert.match(reversed.body.error, /"from"/);
      });

      await t.step("unknown routes and tags answer 404 JSON", async () => {
        const route = await json(await app.request("/api/nothing-here", { headers: read }));
        assert.equal(route.status, 404);
        assert.match(route.body.error, /nothing-here/);
        const tag = await json(await app.request("/api/tags/unicorns/top-posts", { headers: read }));
        assert.equal(tag.status, 404);
        assert.match(tag.body.error, /"unicorns"/);
      });

      await t.step("read routes need the read token when one is set; health and docs are open", async () => {
        assert.equal((await app.request("/api/tags")).status, 401);
        assert.equal(
          (await app.request("/api/tags", { headers: { authorization: "Bearer nope" } })).status,
          403,
        );
        assert.equal(
          (await app.request("/api/tags", { headers: { authorization: "Basic r3ad" } })).status,
          401,
        );
        assert.equal((await app.request("/api/tags", { headers: read })).status, 200);
        assert.equal(
          (await app.request("/api/tags", { headers: { authorization: "Bearer adm1n" } })).status,
          200,
        );
        assert.equal((await app.request("/api/health")).status, 200);
        assert.equal((await app.request("/api/openapi.json")).status, 200);
        assert.equal((await app.request("/api/docs")).status, 200);
      });

      await t.step("the admin route needs the admin token and rebuilds the aggregates", async () => {
        const post = (headers: Record<string, string>, body = "{}") =>
          app.request("/api/admin/refresh", {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body,
          });
        const none = await json(await post({}));
        assert.equal(none.status, 401);
        assert.match(none.body.error, /no bearer token/);
        assert.equal((await post(read)).status, 403);
        const bad = await json(await post({ authorization: "Bearer adm1n" }, '{"from":"June"}'));
        assert.equal(bad.status, 400);
        assert.equal(bad.body.parameter, "from");
        await db.query("delete from tag_daily");
        const ok = await json(await post({ authorization: "Bearer adm1n" }, '{"from":"2026-06-01"}'));
        assert.equal(ok.status, 200);
        assert.ok(ok.body.posts > 0);
        const rows = await db.query<{ n: number }>(
          "select count(*)::int as n from tag_daily where day < '2026-06-01'",
        );
        assert.equal(rows[0].n, 0); // only June was rebuilt
        const shut = createApp({ db, options: { dashboard: false } });
        const res = await json(await shut.request("/api/admin/refresh", { method: "POST" }));
        assert.equal(res.status, 403);
        assert.match(res.body.error, /no admin token is configured/);
      });

      await t.step(
        "metric responses carry an ETag and Cache-Control, and answer 304 on If-None-Match",
        async () => {
          const first = await app.request("/api/growth?days=30", { headers: read });
          const etag = first.headers.get("etag");
          assert.ok(etag);
          assert.equal(first.headers.get("cache-control"), "private, max-age=30");
          const again = await app.request("/api/growth?days=30", {
            headers: { ...read, "if-none-match": etag },
          });
          assert.equal(again.status, 304);
          assert.equal(await again.text(), "");
          const other = await app.request("/api/growth?days=7", {
            headers: { ...read, "if-none-match": etag },
          });
          assert.equal(other.status, 200);
          assert.notEqual(other.headers.get("etag"), etag);
          const open = createApp({ db, options: { dashboard: false } });
          assert.equal((await open.request("/api/tags")).headers.get("cache-control"), "public, max-age=30");
        },
      );

      await t.step("a client taking gzip gets the cached body gzipped, same JSON, its own ETag", async () => {
        const url = "/api/distribution?bucket=day";
        const plain = await app.request(url, { headers: read });
        const text = await plain.text();
        assert.ok(text.length >= 1024); // long enough to be kept gzipped
        assert.equal(plain.headers.get("content-encoding"), null);
        assert.match(plain.headers.get("vary") ?? "", /Accept-Encoding/);
        const zipped = await app.request(url, { headers: { ...read, "accept-encoding": "br, gzip" } });
        assert.equal(zipped.headers.get("content-encoding"), "gzip");
        assert.equal(gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString("utf8"), text);
        const again = await app.request(url, { headers: { ...read, "accept-encoding": "gzip" } });
        assert.equal(gunzipSync(new Uint8Array(await again.arrayBuffer())).toString("utf8"), text); // bytes reused
        const tag = zipped.headers.get("etag")!;
        assert.notEqual(tag, plain.headers.get("etag"));
        for (const etag of [tag, plain.headers.get("etag")!]) { // either validator names the same JSON
          const again = await app.request(url, {
            headers: { ...read, "accept-encoding": "gzip", "if-none-match": etag },
          });
          assert.equal(again.status, 304);
        }
        const refused = await app.request(url, { headers: { ...read, "accept-encoding": "gzip;q=0" } });
        assert.equal(refused.headers.get("content-encoding"), null);
        assert.equal(await refused.text(), text);
        const tiny = await app.request("/api/health", { headers: { "accept-encoding": "gzip" } });
        assert.equal(tiny.headers.get("content-encoding"), null); // not a cached metric route
      });

      await t.step("concurrent requests for one URL share a single computation", async () => {
        let queries = 0;
        const counting: Db = { ...db, query: (sql, params) => (queries++, db.query(sql, params)) };
        const app2 = createApp({ db: counting, options: { dashboard: false, refreshCheckMs: 60_000 } });
        await app2.request("/api/tags"); // the first request also checks the aggregates' generation
        queries = 0;
        await app2.request("/api/clusters?minCount=2");
        const one = queries;
        queries = 0;
        const many = await Promise.all(
          Array.from({ length: 5 }, () => app2.request("/api/clusters?minCount=4")),
        );
        assert.ok(many.every((r) => r.status === 200));
        assert.equal(new Set(many.map((r) => r.headers.get("etag"))).size, 1);
        assert.equal(queries, one);
      });

      await t.step("a refresh of the aggregates empties the server cache", async () => {
        const app2 = createApp({ db, options: { dashboard: false, refreshCheckMs: 0 } });
        const before = await json(await app2.request("/api/tags"));
        await db.query(
          "delete from predictions where post_id in (select id from posts where created_at >= '2026-06-01')",
        );
        assert.deepEqual(await json(await app2.request("/api/tags")), before); // cached: no refresh yet
        await refreshAggregates(db);
        const after = await json(await app2.request("/api/tags"));
        assert.ok(after.body.posts < before.body.posts);
        const health = await json(await app2.request("/api/health"));
        assert.ok(health.body.lastRefresh.id >= 2);
      });

      await t.step("CORS answers the configured origins only", async () => {
        const pre = await app.request("/api/tags", {
          method: "OPTIONS",
          headers: { origin: "https://bi.example", "access-control-request-method": "GET" },
        });
        assert.equal(pre.headers.get("access-control-allow-origin"), "https://bi.example");
        const other = await app.request("/api/tags", {
          headers: { ...read, origin: "https://evil.example" },
        });
        assert.equal(other.headers.get("access-control-allow-origin"), null);
      });

      await t.step("a failing query answers 500 without a stack trace", async () => {
        const broken: Db = {
          ...db,
          query: () => Promise.reject(new Error("relation tag_daily at /srv/x.ts:12")),
        };
        const app2 = createApp({ db: broken, options: { dashboard: false } });
        const res = await app2.request("/api/growth");
        assert.equal(res.status, 500);
        const text = await res.text();
        assert.doesNotMatch(text, /x\.ts|relation|at /);
        assert.equal((await app2.request("/api/health")).status, 503);
      });

      await t.step("the OpenAPI document lists every operation with its parameters", async () => {
        const doc = (await json(await app.request("/api/openapi.json"))).body;
        assert.equal(doc.openapi, "3.1.0");
        const ops = Object.entries(doc.paths).flatMap(([p, m]) =>
          Object.keys(m as object).map((k) => `${k} ${p}`)
        );
        for (
          const op of [
            "get /api/tags",
            "get /api/distribution",
            "get /api/growth",
            "get /api/bursts",
            "get /api/clusters",
            "get /api/tags/{tag}/top-posts",
            "get /api/runs",
            "get /api/models",
            "get /api/health",
            "post /api/admin/refresh",
          ]
        ) assert.ok(ops.includes(op), op);
        const bucket = doc.paths["/api/distribution"].get.parameters.find((p: { name: string }) =>
          p.name === "bucket"
        );
        assert.deepEqual(bucket.schema.enum, ["day", "week", "month"]);
        assert.equal(bucket.schema.default, "week");
        // Every route the app serves is in the document, each 200 with a schema (nothing hand-kept).
        const served = new Set(
          app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/"))
            .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
            .filter((r) => !["get /api/openapi.json", "get /api/docs"].includes(r)),
        );
        assert.deepEqual([...served].filter((r) => !ops.includes(r)), []);
        for (const op of ops) {
          const [method, path] = op.split(" ");
          const ok = doc.paths[path][method].responses["200"];
          const schema = Object.values(ok.content ?? {})[0] as { schema?: { $ref?: string } } | undefined;
          assert.ok(schema?.schema && Object.keys(schema.schema).length > 0, `${op}: a response schema`);
        }
        assert.ok(Object.keys(doc.components.schemas.Growth.properties).includes("tags"));
        const docs = await (await app.request("/api/docs")).text();
        assert.match(docs, /\/api\/tags\/\{tag\}\/top-posts/);
        assert.doesNotMatch(docs, /https?:\/\/(?!bi\.)/); // nothing external to load
      });

      await t.step("the dashboard page and ECharts are served from the app", async () => {
        const page = await app.request("/");
        assert.equal(page.status, 200);
        assert.match(await page.text(), /assets\/echarts\.min\.js/);
        const echarts = await app.request("/assets/echarts.min.js");
        assert.equal(echarts.status, 200);
        assert.ok((await echarts.arrayBuffer()).byteLength > 500_000);
      });
    } finally {
      await db.close();
    }
  },
});
