/** GET /api/clusters: the tag co-occurrence graph and its Louvain communities. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { tagClusters } from "@/trends/mod.ts";
import { cachedJson, filterShape, int, num, orderedRange, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { ClustersResponse } from "../schemas.ts";

const query = z.strictObject({
  ...filterShape,
  weight: z.enum(["pmi", "jaccard"]).default("pmi"),
  minCount: int(1, 1_000_000).default(3).describe("Fewest posts carrying both tags for an edge"),
  resolution: num(0.01, 10).default(1),
  seed: int(0, 2 ** 31 - 1).default(42),
});

export function clustersRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Tag co-occurrence graph (PMI or Jaccard) split by Louvain",
    request: { query },
    middleware: cachedJson(deps),
    responses: responses(ClustersResponse, "read", { cached: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    return c.json(await tagClusters(deps.db, orderedRange(c.req.valid("query"))), 200);
  });
}
