/** GET /api/distribution: tag shares per day, week or month. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { tagDistribution } from "@/trends/mod.ts";
import { cachedJson, filterShape, int, orderedRange, type RouteDeps, tagName } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { DistributionResponse } from "../schemas.ts";

const query = z.strictObject({
  ...filterShape,
  bucket: z.enum(["day", "week", "month"]).default("week").describe("Period length"),
  tag: z.union([tagName, z.array(tagName).max(50)]).optional().describe(
    "Only these tags (repeat the parameter)",
  ),
  limit: int(1, 100).optional().describe("The most predicted tags only"),
});

export function distributionRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Share of sampled posts carrying each tag per period",
    request: { query },
    middleware: cachedJson(deps),
    responses: responses(DistributionResponse, "read", { cached: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    const q = orderedRange(c.req.valid("query"));
    const tags = q.tag === undefined ? undefined : [q.tag].flat();
    return c.json(await tagDistribution(deps.db, { ...q, tags }), 200);
  });
}
