/**
 * Generate the deterministic multimodal sample corpus (posts.jsonl, media/, tags.json, manifest.json).
 *
 * Usage:
 *   deno task sample                                   # 3000 posts, seed 7, into data/raw/sample
 *   deno task sample --posts 3000 --seed 7 --out data/raw/sample
 *   deno task sample --posts 60 --out /tmp/s --force   # regenerate even if the manifest matches
 *
 * Options:
 *   --posts N        number of posts (default 3000)
 *   --seed N         PRNG seed (default 7)
 *   --out DIR        output folder (default data/raw/sample)
 *   --concurrency N  media files rendered at once (default 2)
 *   --force          regenerate even when the existing manifest matches
 */
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { generateSample, type SampleSummary } from "../tools/sample/mod.ts";

const DEFAULTS = {
  posts: "3000", // posts to generate
  seed: "7", // PRNG seed
  out: "data/raw/sample", // output folder
  concurrency: "2", // media workers (ffmpeg processes / sharp jobs)
};

function toInt(name: string, value: string): number {
  const n = Number(value);
  const min = name === "seed" ? 0 : 1;
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Cannot parse option --${name}: "${value}" is not a valid integer`);
  }
  return n;
}

/** Formats the summary as lines of text. */
export function formatSummary(s: SampleSummary): string {
  const c = s.manifest.counts;
  const top = (rec: Record<string, number>) =>
    Object.entries(rec).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    `${s.skipped ? "Up to date" : "Wrote"} ${s.postsPath} in ${s.seconds.toFixed(1)} s`,
    `posts ${c.posts} (labeled ${c.labeled}, unlabeled ${c.unlabeled}), users ${c.users}`,
    `media ${c.images} images + ${c.videos} videos (${c.videosWithAudio} with audio), ${
      (c.mediaBytes / 1e6).toFixed(1)
    } MB`,
    `mixes: ${top(c.mixes)}`,
    `langs: ${top(c.langs)}`,
    `formats: ${top(c.formats)}`,
    `tags: ${Object.entries(c.tags).map(([k, v]) => `${k} ${v.all}`).join(", ")}`,
    `sha256(posts.jsonl) ${s.manifest.postsSha256}`,
  ].join("\n");
}

export async function main(args: string[]): Promise<SampleSummary> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      posts: { type: "string", default: DEFAULTS.posts },
      seed: { type: "string", default: DEFAULTS.seed },
      out: { type: "string", default: DEFAULTS.out },
      concurrency: { type: "string", default: DEFAULTS.concurrency },
      force: { type: "boolean", default: false },
    },
  });
  const bar = Deno.stdout.isTerminal()
    ? new cliProgress.SingleBar(
      { format: "media {bar} {value}/{total} | {eta}s left" },
      cliProgress.Presets.shades_classic,
    )
    : undefined;
  let started = false;
  try {
    const summary = await generateSample(values.out, {
      posts: toInt("posts", values.posts),
      seed: toInt("seed", values.seed),
      concurrency: toInt("concurrency", values.concurrency),
      force: values.force,
      onProgress: ({ phase, done, total }) => {
        if (!bar || phase !== "media") return;
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    bar?.stop();
    console.log(formatSummary(summary));
    return summary;
  } catch (err) {
    bar?.stop();
    throw err;
  }
}

if (import.meta.main) {
  await main(Deno.args);
}
