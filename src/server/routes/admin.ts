/** POST /api/admin/refresh: rebuild the trend aggregates (admin token). */
import { Hono } from "hono";
import { z } from "zod";
import { refreshAggregates } from "@/trends/mod.ts";
import { day, type Operation, orderedRange, type RouteDeps, valid } from "../_http.ts";

const body = z.strictObject({ from: day.optional(), to: day.optional() });

export const adminOps: Operation[] = [
  {
    method: "post",
    path: "/api/admin/refresh",
    summary: "Rebuild the trend aggregates for a range of days",
    body,
    auth: "admin",
  },
];

export function adminRoutes(deps: RouteDeps): Hono {
  return new Hono().post("/refresh", valid("json", body), async (c) => {
    const summary = await refreshAggregates(deps.db, orderedRange(c.req.valid("json")));
    deps.cache.clear();
    return c.json(summary);
  });
}
