/** GET /api/distribution: tag shares per day, week or month. */
import { Hono } from "hono";
import { z } from "zod";
import { tagDistribution } from "@/trends/mod.ts";
import {
  cachedJson,
  filterShape,
  int,
  type Operation,
  orderedRange,
  type RouteDeps,
  tagName,
  valid,
} from "../_http.ts";

const query = z.strictObject({
  ...filterShape,
  bucket: z.enum(["day", "week", "month"]).default("week").describe("Period length"),
  tag: z.union([tagName, z.array(tagName).max(50)]).optional().describe(
    "Only these tags (repeat the parameter)",
  ),
  limit: int(1, 100).optional().describe("The most predicted tags only"),
});

export const distributionOps: Operation[] = [
  {
    method: "get",
    path: "/api/distribution",
    summary: "Share of sampled posts carrying each tag per period",
    query,
    auth: "read",
  },
];

export function distributionRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", cachedJson(deps), valid("query", query), async (c) => {
    const q = orderedRange(c.req.valid("query"));
    const tags = q.tag === undefined ? undefined : [q.tag].flat();
    return c.json(await tagDistribution(deps.db, { ...q, tags }));
  });
}
