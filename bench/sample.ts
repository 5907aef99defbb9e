/** Benchmark of the sample generator: returns figures, prints nothing. */
import { generateSample, planSample } from "../tools/sample/mod.ts";

export interface BenchSampleOptions {
  /** Posts to generate. @default 300 */
  posts?: number;
  /** PRNG seed. @default 7 */
  seed?: number;
  /** Media workers. @default 2 */
  concurrency?: number;
}

/** Plans and generates a corpus in a temp folder (removed after); returns timings and sizes. */
export async function benchSample(
  options: BenchSampleOptions = {},
): Promise<Record<string, number | string>> {
  const { posts = 300, seed = 7, concurrency = 2 } = options;
  const t0 = performance.now();
  planSample({ posts, seed });
  const planSeconds = (performance.now() - t0) / 1000;
  const dir = await Deno.makeTempDir({ prefix: "sample-bench-" });
  try {
    const s = await generateSample(dir, { posts, seed, concurrency, force: true });
    const c = s.manifest.counts;
    return {
      bench: "sample",
      posts,
      seed,
      concurrency,
      plan_s: Number(planSeconds.toFixed(3)),
      total_s: s.seconds,
      posts_per_s: Number((posts / s.seconds).toFixed(1)),
      images: c.images,
      videos: c.videos,
      media_mb: Number((c.mediaBytes / 1e6).toFixed(2)),
      projected_3000_posts_s: Number(((s.seconds / posts) * 3000).toFixed(1)),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `deno task bench sample`: sample corpus generation. */
export async function run(): Promise<Record<string, unknown>> {
  return { ...await benchSample() };
}
