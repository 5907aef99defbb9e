/** POST /api/admin/refresh: rebuild the trend aggregates (admin token). */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { refreshAggregates } from "@/trends/mod.ts";
import { day, orderedRange, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { RefreshResponse } from "../schemas.ts";

const body = z.strictObject({ from: day.optional(), to: day.optional() });

const route = createRoute({
  method: "post",
  path: "/refresh",
  summary: "Rebuild the trend aggregates for a range of days",
  request: { body: { required: false, content: { "application/json": { schema: body } } } },
  responses: responses(RefreshResponse, "admin"),
  ...security("admin"),
});

export function adminRoutes(deps: RouteDeps) {
  return routeApp().openapi(route, async (c) => {
    const summary = await refreshAggregates(deps.db, orderedRange(c.req.valid("json")));
    deps.cache.clear();
    return c.json(summary, 200);
  });
}
