/** GET /api/tags: the vocabulary with counts; the platforms and languages seen (for filters). */
import { Hono } from "hono";
import { z } from "zod";
import { tagTotals, trendFacets } from "@/trends/mod.ts";
import { cachedJson, filterShape, type Operation, orderedRange, type RouteDeps, valid } from "../_http.ts";

const query = z.strictObject(filterShape);

export const tagsOps: Operation[] = [
  {
    method: "get",
    path: "/api/tags",
    summary: "Tags with tagged counts and shares; platforms and languages",
    query,
    auth: "read",
  },
];

export function tagsRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", cachedJson(deps), valid("query", query), async (c) => {
    const q = orderedRange(c.req.valid("query"));
    const [totals, facets] = await Promise.all([tagTotals(deps.db, q), trendFacets(deps.db)]);
    return c.json({ ...totals, facets });
  });
}
