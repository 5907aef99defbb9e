/**
 * Writes scored posts straight into the store (posts, runs, tags, predictions) and makes a synthetic
 * data set with known trends: for tests, the dashboard's end-to-end test and demos. Not for real data.
 */
import { type Db, ensureTags } from "@/store/mod.ts";
import { addDays } from "@/trends/mod.ts";
import { mulberry32 } from "@/core/mod.ts";

export interface SeedRun {
  id: string;
  /** ISO timestamp; newer runs supersede older ones for the same post. */
  startedAt: string;
  /** @default "succeeded" */
  status?: "running" | "succeeded" | "failed";
  /** @default "m1" */
  modelVersion?: string;
}

export interface SeedPost {
  id: string;
  /** ISO timestamp. */
  createdAt: string;
  /** @default "mastodon" */
  platform?: string;
  /** Left out of the document when undefined. */
  lang?: string;
  /** @default `post ${id}` */
  text?: string;
}

export interface SeedPrediction {
  post: string;
  run: string;
  tag: string;
  probability: number;
  /** @default probability >= 0.5 */
  predicted?: boolean;
}

export interface SeedData {
  runs: SeedRun[];
  posts: SeedPost[];
  predictions: SeedPrediction[];
}

/** Inserts the rows (tags created as needed) in one transaction. */
export async function seedTrendData(db: Db, data: SeedData): Promise<void> {
  await db.transaction(async (tx) => {
    const tagIds = await ensureTags(tx, [...new Set(data.predictions.map((p) => p.tag))].sort());
    for (const r of data.runs) {
      await tx.query(
        `insert into runs (id, kind, status, started_at, finished_at, model_version)
         values ($1, 'infer', $2, $3::timestamptz, $3::timestamptz + interval '1 minute', $4)`,
        [r.id, r.status ?? "succeeded", r.startedAt, r.modelVersion ?? "m1"],
      );
    }
    const chunk = 2000;
    for (let i = 0; i < data.posts.length; i += chunk) {
      const part = data.posts.slice(i, i + chunk);
      await tx.query(
        `insert into posts (id, platform, source, created_at, doc, content_hash)
         select id, platform, 'seed', created_at, doc, id
         from unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[]) as t(id, platform, created_at, doc)`,
        [
          part.map((p) => p.id),
          part.map((p) => p.platform ?? "mastodon"),
          part.map((p) => p.createdAt),
          part.map((p) =>
            JSON.stringify({ text: p.text ?? `post ${p.id}`, ...(p.lang ? { lang: p.lang } : {}) })
          ),
        ],
      );
    }
    const models = new Map(data.runs.map((r) => [r.id, r.modelVersion ?? "m1"]));
    for (let i = 0; i < data.predictions.length; i += chunk) {
      const part = data.predictions.slice(i, i + chunk);
      await tx.query(
        `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
         select r, p, t, pr, pd <> 0, m
         from unnest($1::text[], $2::text[], $3::int[], $4::real[], $5::int[], $6::text[]) as x(r, p, t, pr, pd, m)`,
        [
          part.map((p) => p.run),
          part.map((p) => p.post),
          part.map((p) => tagIds.get(p.tag)),
          part.map((p) => p.probability),
          part.map((p) => (p.predicted ?? p.probability >= 0.5) ? 1 : 0), // postgres.js mangles bool[]
          part.map((p) => models.get(p.run) ?? "m1"),
        ],
      );
    }
  });
}

export interface SyntheticOptions {
  /** @default 600 */
  posts?: number;
  /** Days covered, ending at `end`. @default 180 */
  days?: number;
  /** Last day, `YYYY-MM-DD` (a Sunday: the last week is whole). @default "2026-06-28" */
  end?: string;
  /** @default 7 */
  seed?: number;
}

/** The eight tags of the synthetic set; "ai" rises steadily, "eclipse" bursts in the last week. */
export const SYNTHETIC_TAGS = ["cats", "dogs", "food", "travel", "music", "sports", "ai", "eclipse"] as const;

/**
 * A synthetic scored corpus: two platforms, three languages, one run, eight tags with stable shares
 * except "ai" (share grows from ~5% to ~40%) and "eclipse" (~2%, then ~60% over the last 10 days);
 * cats+dogs and food+travel co-occur.
 */
export function syntheticTrendData(options: SyntheticOptions = {}): SeedData {
  const n = options.posts ?? 600;
  const days = options.days ?? 180;
  const end = options.end ?? "2026-06-28";
  const rand = mulberry32(options.seed ?? 7);
  const start = addDays(end, -days + 1);
  const posts: SeedPost[] = [];
  const predictions: SeedPrediction[] = [];
  const langs = ["en", "en", "fr", "de"];
  for (let i = 0; i < n; i++) {
    const dayIndex = Math.floor(rand() * days);
    const t = dayIndex / (days - 1);
    const id = `p${String(i).padStart(5, "0")}`;
    const platform = rand() < 0.6 ? "mastodon" : "bluesky";
    const createdAt = `${addDays(start, dayIndex)}T${
      String(Math.floor(rand() * 24)).padStart(2, "0")
    }:00:00Z`;
    const pets = rand() < 0.3;
    const trip = rand() < 0.25;
    const p: Record<string, number> = {
      cats: pets ? 0.6 + rand() * 0.4 : rand() * 0.3,
      dogs: pets && rand() < 0.7 ? 0.55 + rand() * 0.4 : rand() * 0.3,
      food: trip && rand() < 0.8 ? 0.55 + rand() * 0.4 : rand() < 0.1 ? 0.7 : rand() * 0.3,
      travel: trip ? 0.6 + rand() * 0.4 : rand() * 0.3,
      music: rand() < 0.2 ? 0.5 + rand() * 0.5 : rand() * 0.4,
      sports: rand() < 0.15 ? 0.5 + rand() * 0.5 : rand() * 0.4,
      ai: rand() < 0.05 + 0.35 * t ? 0.5 + rand() * 0.5 : rand() * 0.4,
      eclipse: rand() < (dayIndex >= days - 10 ? 0.6 : 0.02) ? 0.5 + rand() * 0.5 : rand() * 0.2,
    };
    const carried = Object.entries(p).filter(([, v]) => v >= 0.5).map(([k]) => k);
    posts.push({
      id,
      createdAt,
      platform,
      lang: langs[Math.floor(rand() * langs.length)],
      text: `Post ${i} about ${carried.join(", ") || "nothing much"}`,
    });
    for (const [tag, probability] of Object.entries(p)) {
      predictions.push({
        post: id,
        run: "infer-synthetic",
        tag,
        probability: Math.round(probability * 1000) / 1000,
      });
    }
  }
  return {
    runs: [{ id: "infer-synthetic", startedAt: `${end}T23:00:00Z`, modelVersion: "fusion-v1" }],
    posts,
    predictions,
  };
}
