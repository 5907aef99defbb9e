/**
 * Response schemas of the trend routes, in zod: the OpenAPI document shows them, and the route handlers
 * are type-checked against them (`c.json(body, 200)` must match).
 */
import { z } from "zod";

const day = z.string().describe("UTC day, YYYY-MM-DD");

export const TagsResponse = z.object({
  posts: z.number().int().describe("Sampled posts in range"),
  tags: z.array(z.object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    tagged: z.number().int().describe("Sampled posts predicted to carry the tag"),
    share: z.number().describe("tagged / posts"),
  })),
  facets: z.object({
    platforms: z.array(z.string()),
    langs: z.array(z.string()),
    from: day.nullable().describe("First day with sampled posts"),
    to: day.nullable().describe("Last day with sampled posts"),
  }),
}).openapi("Tags");

export const TopPostsResponse = z.object({
  tag: z.string(),
  posts: z.array(z.object({
    id: z.string().describe("The anonymized post id (HMAC), never the platform's id"),
    probability: z.number(),
    createdAt: z.string(),
    platform: z.string(),
    lang: z.string(),
    snippet: z.string(),
    runId: z.string(),
    modelVersion: z.string(),
  })),
}).openapi("TopPosts");

export const DistributionResponse = z.object({
  bucket: z.enum(["day", "week", "month"]),
  share_estimate: z.object({ method: z.literal("probabilities"), why: z.string() }).describe(
    "Which estimate expected_shares is: the one the quality benchmark found closest to the true shares",
  ),
  periods: z.array(day).describe("Periods with sampled posts, in order, as their first day"),
  posts: z.array(z.number().int()).describe("Sampled posts per period, aligned with periods"),
  series: z.array(z.object({
    tag: z.string(),
    tagged: z.number().int(),
    counts: z.array(z.number().int()).describe("Tagged posts per period, aligned with periods"),
    shares: z.array(z.number()).describe(
      "counts / the period's posts to 4 significant digits, aligned with periods",
    ),
    expected_shares: z.array(z.number()).describe(
      "The tag's estimated share of the period's posts (see share_estimate) to 4 significant digits, " +
        "aligned with periods",
    ),
  })),
}).openapi("Distribution");

const periodShare = z.object({
  tagged: z.number().int(),
  posts: z.number().int(),
  share: z.number(),
  low: z.number().describe("Wilson interval, low end"),
  high: z.number().describe("Wilson interval, high end"),
});

export const GrowthResponse = z.object({
  current: z.object({ from: day, to: day, posts: z.number().int() }),
  previous: z.object({ from: day, to: day, posts: z.number().int() }),
  tags: z.array(z.object({
    tag: z.string(),
    current: periodShare,
    previous: periodShare,
    growth: z.number().describe("Smoothed current share / smoothed previous share"),
    conservativeGrowth: z.number().describe("Wilson low of the current / Wilson high of the previous share"),
    z: z.number().describe("Two-proportion z-score"),
    change: z.enum(["grew", "fell", "unclear"]).describe(
      "grew: the current share's interval lies wholly above the previous one; fell: wholly below",
    ),
  })),
}).openapi("Growth");

export const BurstsResponse = z.object({
  bucket: z.enum(["day", "week"]),
  lastPeriod: z.string().nullable(),
  bursts: z.array(z.object({
    tag: z.string(),
    start: z.string(),
    end: z.string(),
    peak: z.string(),
    peakZ: z.number(),
    peakShare: z.number(),
    peakTagged: z.number().int(),
    baseline: z.number(),
    active: z.boolean().describe("The burst reaches the last period"),
  })),
}).openapi("Bursts");

export const ClustersResponse = z.object({
  posts: z.number().int(),
  nodes: z.array(z.object({ tag: z.string(), tagged: z.number().int(), community: z.number().int() })),
  edges: z.array(z.object({
    source: z.string(),
    target: z.string(),
    count: z.number().int(),
    weight: z.number(),
  })),
  communities: z.array(z.object({ id: z.number().int(), tags: z.array(z.string()) })),
  modularity: z.number(),
}).openapi("Clusters");

const timestamp = z.string().describe("ISO 8601 time");

export const RunsResponse = z.object({
  runs: z.array(z.object({
    id: z.string(),
    kind: z.string(),
    status: z.string(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
    params: z.record(z.string(), z.unknown()).optional(),
    summary: z.record(z.string(), z.unknown()).optional(),
    model_version: z.string().nullable(),
    code_version: z.string().nullable().optional(),
  })),
}).openapi("Runs");

const model = z.object({
  version: z.string(),
  created_at: timestamp,
  run_id: z.string().nullable(),
  status: z.string(),
  metrics: z.record(z.string(), z.unknown()),
});

export const ModelsResponse = z.object({ current: model.nullable(), models: z.array(model) }).openapi(
  "Models",
);

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  db: z.object({
    engine: z.string(),
    reachable: z.boolean(),
    schemaVersion: z.number().int().optional(),
    expectedSchemaVersion: z.number().int().optional(),
  }),
  lastInferRun: z.record(z.string(), z.unknown()).nullable().optional(),
  lastRefresh: z.record(z.string(), z.unknown()).nullable().optional(),
}).openapi("Health");

export const RefreshResponse = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  posts: z.number().int(),
  sampledRows: z.number().int(),
  tagRows: z.number().int(),
  pairRows: z.number().int(),
  ms: z.number(),
  generation: z.number().int(),
}).openapi("Refresh");

/** A Date (as the drivers give timestamptz) or an ISO string, as an ISO string. */
export const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

export const JobsResponse = z.object({
  engine: z.enum(["pg-boss", "in-process"]).describe(
    "pg-boss on PostgreSQL; in-process on the embedded database",
  ),
  queues: z.array(z.object({
    queue: z.string(),
    queued: z.number().int(),
    active: z.number().int(),
    retry: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
  })),
  dead: z.array(z.object({
    id: z.string(),
    queue: z.string().describe("The queue it failed on"),
    attempts: z.number().int(),
    error: z.string(),
    about: z.string(),
    dead_since: z.string(),
  })).describe("Jobs that failed every attempt (deno task jobs retry sends them back)"),
  set_aside: z.array(z.object({
    stage: z.string(),
    item: z.string().describe("The post id"),
    modality: z.string().describe("The modality set aside, or empty for the whole post"),
    reason: z.string(),
    queue: z.string(),
    at: z.string(),
  })).describe("Posts jobs set aside in quarantine so that their batch could go on"),
}).openapi("Jobs");
