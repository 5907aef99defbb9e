/** GET /api/health: database reachable, schema version, the last inference run. */
import { createRoute } from "@hono/zod-openapi";
import { LATEST_VERSION, schemaVersion } from "@/store/mod.ts";
import type { RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { HealthResponse } from "../schemas.ts";

const route = createRoute({
  method: "get",
  path: "/",
  summary: "Database reachable, schema version, last inference run and aggregates refresh",
  responses: {
    ...responses(HealthResponse, "open"),
    503: {
      description: "The database cannot be reached",
      content: { "application/json": { schema: HealthResponse } },
    },
  },
  ...security("open"),
});

export function healthRoutes(deps: RouteDeps) {
  return routeApp().openapi(route, async (c) => {
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
        status: version === LATEST_VERSION ? "ok" as const : "degraded" as const,
        db: {
          engine: deps.db.kind,
          reachable: true,
          schemaVersion: version,
          expectedSchemaVersion: LATEST_VERSION,
        },
        lastInferRun: last[0] ?? null,
        lastRefresh: refresh[0] ?? null,
      }, 200);
    } catch {
      return c.json({ status: "unavailable" as const, db: { engine: deps.db.kind, reachable: false } }, 503);
    }
  });
}
