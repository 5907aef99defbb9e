/** GET /api/health: database reachable, schema version, the last inference run. */
import { Hono } from "hono";
import { LATEST_VERSION, schemaVersion } from "@/store/mod.ts";
import type { Operation, RouteDeps } from "../_http.ts";

export const healthOps: Operation[] = [
  {
    method: "get",
    path: "/api/health",
    summary: "Database reachable, schema version, last inference run and aggregates refresh",
    auth: "open",
  },
];

export function healthRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", async (c) => {
    c.header("cache-control", "no-store");
    try {
      const version = await schemaVersion(deps.db);
      const last = await deps.db.query(
        `select id, status, started_at, finished_at, model_version from runs where kind = 'infer'
         order by started_at desc limit 1`,
      );
      const refresh = await deps.db.query(
        "select id, refreshed_at, from_day::text, to_day::text, posts from trend_refreshes order by id desc limit 1",
      );
      return c.json({
        status: version === LATEST_VERSION ? "ok" : "degraded",
        db: {
          engine: deps.db.kind,
          reachable: true,
          schemaVersion: version,
          expectedSchemaVersion: LATEST_VERSION,
        },
        lastInferRun: last[0] ?? null,
        lastRefresh: refresh[0] ?? null,
      });
    } catch {
      return c.json({ status: "unavailable", db: { engine: deps.db.kind, reachable: false } }, 503);
    }
  });
}
