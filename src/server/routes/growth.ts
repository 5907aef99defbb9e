/** GET /api/growth: popularity growth per tag, last `days` days against the `days` before. */
import { Hono } from "hono";
import { z } from "zod";
import { tagGrowth } from "@/trends/mod.ts";
import {
  cachedJson,
  day,
  int,
  lang,
  num,
  type Operation,
  platform,
  type RouteDeps,
  valid,
} from "../_http.ts";

const query = z.strictObject({
  to: day.optional().describe("Last day of the current period (default: the latest sampled day)"),
  days: int(1, 366).default(30).describe("Length of each period in days"),
  platform: platform.optional(),
  lang: lang.optional(),
  minCount: int(0, 1_000_000).default(5).describe("Leave out tags with fewer tagged posts over both periods"),
  alpha: num(0, 100).default(1).describe("Additive smoothing of the growth ratio"),
  limit: int(1, 500).optional(),
});

export const growthOps: Operation[] = [
  {
    method: "get",
    path: "/api/growth",
    summary: "Growth per tag with Wilson bounds and z-score, ranked by the conservative growth",
    query,
    auth: "read",
  },
];

export function growthRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", cachedJson(deps), valid("query", query), async (c) => {
    return c.json(await tagGrowth(deps.db, c.req.valid("query")));
  });
}
