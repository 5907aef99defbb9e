import assert from "node:assert/strict";
import { quarantine } from "@/store/mod.ts";
import { dbTest } from "../../../tests/support/db.ts";
import { createApp } from "../app.ts";

dbTest("GET /api/jobs needs the admin token and lists the posts jobs set aside", async (db) => {
  await quarantine(db, [
    {
      stage: "preprocess",
      source: "features",
      item: "p1",
      modality: "image",
      reason: "bad",
      detail: { job: "encode" },
    },
    { stage: "ingest", source: "x.jsonl", item: "x.jsonl:3", reason: "not JSON" }, // not a job's
  ]);
  const app = createApp({ db, options: { dashboard: false, adminToken: "adm", readToken: "rd" } });
  assert.equal((await app.request("/api/jobs")).status, 401);
  assert.equal((await app.request("/api/jobs", { headers: { authorization: "Bearer rd" } })).status, 403);
  const res = await app.request("/api/jobs", { headers: { authorization: "Bearer adm" } });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.engine, "in-process"); // no pg-boss schema in this database
  assert.deepEqual(body.dead, []);
  assert.deepEqual(body.set_aside.map((s: { item: string; queue: string }) => [s.item, s.queue]), [[
    "p1",
    "encode",
  ]]);
  const doc = await (await app.request("/api/openapi.json")).json();
  assert.ok(doc.paths["/api/jobs"]?.get, "documented in the OpenAPI document");
});
