/** GET /api/bursts: tags spiking above their trailing baseline. */
import { Hono } from "hono";
import { z } from "zod";
import { detectBursts } from "@/trends/mod.ts";
import {
  cachedJson,
  filterShape,
  int,
  num,
  type Operation,
  orderedRange,
  type RouteDeps,
  tagName,
  valid,
} from "../_http.ts";

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

export const burstsOps: Operation[] = [
  {
    method: "get",
    path: "/api/bursts",
    summary: "Bursts: z-score of a tag's share against its trailing window",
    query,
    auth: "read",
  },
];

export function burstsRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", cachedJson(deps), valid("query", query), async (c) => {
    const { active, ...q } = orderedRange(c.req.valid("query"));
    const result = await detectBursts(deps.db, q);
    if (active === "true") result.bursts = result.bursts.filter((b) => b.active);
    return c.json(result);
  });
}
