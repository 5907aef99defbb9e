/** GET /api/tags: the vocabulary with counts; the platforms and languages seen (for filters). */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { tagTotals, trendFacets } from "@/trends/mod.ts";
import { cachedJson, filterShape, orderedRange, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { TagsResponse } from "../schemas.ts";

const query = z.strictObject(filterShape);

export function tagsRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Tags with tagged counts and shares; platforms and languages",
    request: { query },
    middleware: cachedJson(deps),
    responses: responses(TagsResponse, "read", { cached: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    const q = orderedRange(c.req.valid("query"));
    const [totals, facets] = await Promise.all([tagTotals(deps.db, q), trendFacets(deps.db)]);
    return c.json({ ...totals, facets }, 200);
  });
}
