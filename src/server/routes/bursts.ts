/** GET /api/bursts: tags spiking above their trailing baseline. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { detectBursts } from "@/trends/mod.ts";
import { cachedJson, filterShape, int, num, orderedRange, type RouteDeps, tagName } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { BurstsResponse } from "../schemas.ts";

const query = z.strictObject({
  ...filterShape,
  bucket: z.enum(["day", "week"]).default("day"),
  window: int(2, 120).default(14).describe("Trailing periods forming the baseline"),
  minHistory: int(1, 120).optional().describe("Fewest baseline periods needed (default min(7, window))"),
  threshold: num(0, 100).default(3).describe("z-score a period must reach"),
  minCount: int(0, 1_000_000).default(5).describe("Fewest tagged posts a burst period needs"),
  tag: tagName.optional(),
  active: z.enum(["true", "false"]).optional().describe("Only bursts that reach the last period"),
});

export function burstsRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Bursts: z-score of a tag's share against its trailing window",
    request: { query },
    middleware: cachedJson(deps),
    responses: responses(BurstsResponse, "read", { cached: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    const { active, ...q } = orderedRange(c.req.valid("query"));
    const result = await detectBursts(deps.db, q);
    if (active === "true") result.bursts = result.bursts.filter((b) => b.active);
    return c.json(result, 200);
  });
}
