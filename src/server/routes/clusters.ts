/** GET /api/clusters: the tag co-occurrence graph and its Louvain communities. */
import { Hono } from "hono";
import { z } from "zod";
import { tagClusters } from "@/trends/mod.ts";
import {
  cachedJson,
  filterShape,
  int,
  num,
  type Operation,
  orderedRange,
  type RouteDeps,
  valid,
} from "../_http.ts";

const query = z.strictObject({
  ...filterShape,
  weight: z.enum(["pmi", "jaccard"]).default("pmi"),
  minCount: int(1, 1_000_000).default(3).describe("Fewest posts carrying both tags for an edge"),
  resolution: num(0.01, 10).default(1),
  seed: int(0, 2 ** 31 - 1).default(42),
});

export const clustersOps: Operation[] = [
  {
    method: "get",
    path: "/api/clusters",
    summary: "Tag co-occurrence graph (PMI or Jaccard) split by Louvain",
    query,
    auth: "read",
  },
];

export function clustersRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", cachedJson(deps), valid("query", query), async (c) => {
    return c.json(await tagClusters(deps.db, orderedRange(c.req.valid("query"))));
  });
}
