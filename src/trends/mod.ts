/** Trend metrics over the store's aggregates: distribution, growth, bursts, clusters, top posts. */
export { addDays, type TrendFilter, UnknownTagError } from "./_filter.ts";
export * from "./refresh.ts";
export * from "./distribution.ts";
export * from "./growth.ts";
export * from "./bursts.ts";
export * from "./clusters.ts";
export * from "./top_posts.ts";
export * from "./tags.ts";
export * from "./stats.ts";
export * from "./summary.ts";
