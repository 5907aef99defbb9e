/**
 * The test split's predictions of a run, one post a line, in the format every tool of the quality
 * benchmark writes, so one scorer scores them all:
 * `{"post", "lang", "true": [tags], "predicted": [tags], "probabilities": {tag: p}}`.
 *
 * @module
 */
import { dirname } from "node:path";
import type { LabelMatrix } from "./f_beta.ts";
import type { ScoreMatrix } from "./thresholds.ts";

export interface TestPredictions {
  posts: { id: string; lang: string; tags: string[] }[];
  /** The model's tags, in column order. */
  tags: string[];
  probabilities: ScoreMatrix;
  decisions: LabelMatrix;
}

/** Writes `p` to `path` (created with its folder; replaced atomically). */
export async function writeTestPredictions(path: string, p: TestPredictions): Promise<void> {
  const k = p.tags.length;
  const lines = p.posts.map((post, r) => {
    const probabilities: Record<string, number> = {};
    const predicted: string[] = [];
    p.tags.forEach((tag, c) => {
      probabilities[tag] = p.probabilities.data[r * k + c];
      if (p.decisions.data[r * k + c]) predicted.push(tag);
    });
    return JSON.stringify({ post: post.id, lang: post.lang, true: post.tags, predicted, probabilities });
  });
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, lines.join("\n") + (lines.length ? "\n" : ""));
  await Deno.rename(tmp, path);
}
