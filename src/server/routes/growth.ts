/** GET /api/growth: popularity growth per tag, last `days` days against the `days` before. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { type GrowthRow, tagGrowth } from "@/trends/mod.ts";
import { cachedJson, day, int, lang, num, platform, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { GrowthResponse } from "../schemas.ts";

const query = z.strictObject({
  to: day.optional().describe("Last day of the current period (default: the latest sampled day)"),
  days: int(1, 366).default(30).describe("Length of each period in days"),
  platform: platform.optional(),
  lang: lang.optional(),
  minCount: int(0, 1_000_000).default(5).describe("Leave out tags with fewer tagged posts over both periods"),
  alpha: num(0, 100).default(1).describe("Additive smoothing of the growth ratio"),
  limit: int(1, 500).optional(),
});

/**
 * The route's test of a change: the tag grew when its current share's 95% Wilson interval lies wholly
 * above the previous one (conservative growth > 1), fell when wholly below; otherwise it is unclear.
 */
export function changeOf(r: GrowthRow): "grew" | "fell" | "unclear" {
  if (r.current.low > r.previous.high) return "grew";
  if (r.current.high < r.previous.low) return "fell";
  return "unclear";
}

export function growthRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Growth per tag with Wilson bounds and z-score, ranked by the conservative growth",
    request: { query },
    middleware: cachedJson(deps),
    responses: responses(GrowthResponse, "read", { cached: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    const g = await tagGrowth(deps.db, c.req.valid("query"));
    return c.json({ ...g, tags: g.tags.map((r) => ({ ...r, change: changeOf(r) })) }, 200);
  });
}
