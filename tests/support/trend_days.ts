/** Tiny hand-countable fixtures for the trend tests. */
import type { Db } from "@/store/mod.ts";
import { type SeedData, type SeedPrediction, seedTrendData } from "./trend_seed.ts";

export interface DaySpec {
  day: string;
  /** Sampled posts that day. */
  n: number;
  /** How many of them carry each tag (the first k posts). */
  tagged: Record<string, number>;
  platform?: string;
  lang?: string;
}

/** Seeds one succeeded run scoring `n` posts per spec; every tag gets a prediction on every post. */
export async function seedDays(db: Db, specs: DaySpec[], tags?: string[]): Promise<void> {
  const all = tags ?? [...new Set(specs.flatMap((s) => Object.keys(s.tagged)))];
  const data: SeedData = {
    runs: [{ id: "r1", startedAt: "2026-07-01T00:00:00Z" }],
    posts: [],
    predictions: [],
  };
  let k = 0;
  for (const s of specs) {
    for (let i = 0; i < s.n; i++) {
      const id = `p${k++}`;
      data.posts.push({ id, createdAt: `${s.day}T12:00:00Z`, platform: s.platform, lang: s.lang ?? "en" });
      for (const tag of all) {
        const on = i < (s.tagged[tag] ?? 0);
        data.predictions.push({ post: id, run: "r1", tag, probability: on ? 0.75 : 0.25 } as SeedPrediction);
      }
    }
  }
  await seedTrendData(db, data);
}
