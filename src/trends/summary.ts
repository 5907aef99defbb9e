/** The short trend report the demo prints: top tags, top growers, bursts and clusters, from the aggregates. */
import type { Db } from "@/store/mod.ts";
import { type Burst, detectBursts } from "./bursts.ts";
import { tagClusters } from "./clusters.ts";
import { type GrowthRow, tagGrowth } from "./growth.ts";
import { type TagTotal, tagTotals } from "./tags.ts";

export interface TrendSummary {
  posts: number;
  topTags: TagTotal[];
  growers: GrowthRow[];
  bursts: Burst[];
  clusters: string[][];
}

export async function trendSummary(
  db: Db,
  options: { limit?: number; growthDays?: number } = {},
): Promise<TrendSummary> {
  const limit = options.limit ?? 5;
  const totals = await tagTotals(db);
  const growth = await tagGrowth(db, { days: options.growthDays ?? 90, limit });
  const bursts = await detectBursts(db, { bucket: "week", window: 8 });
  const clusters = await tagClusters(db);
  return {
    posts: totals.posts,
    topTags: totals.tags.filter((t) => t.tagged > 0).slice(0, limit),
    growers: growth.tags.filter((g) => g.conservativeGrowth > 1).slice(0, limit),
    bursts: [...bursts.bursts].sort((a, b) => b.peakZ - a.peakZ).slice(0, limit),
    clusters: clusters.communities.filter((c) => c.tags.length > 1).map((c) => c.tags),
  };
}
