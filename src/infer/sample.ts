/**
 * The run's sample: a uniform random draw of the posts created in the period, reproducible from the
 * seed. Each post's rank is `md5(seed:id)` — a hash is as good as a random number for this and needs no
 * state — so the same seed and period give the same sample on any engine, and a rerun sees the same posts.
 * A shard takes the sampled posts whose `md5(id)` falls in its residue class, so n workers split one
 * sample without talking to each other.
 */
import { createHash } from "node:crypto";
import type { Db } from "@/store/mod.ts";
import type { Period } from "./period.ts";

export interface SampleSpec {
  period: Period;
  /** Posts drawn (all posts of the period when fewer). */
  size: number;
  seed: number;
}

export interface Shard {
  /** 0-based shard index. */
  index: number;
  /** Number of shards. */
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** Reads `i/n` (e.g. `0/2`); throws a RangeError naming the spec when it is not a valid shard. */
export function parseShard(spec: string): Shard {
  const m = spec.trim().match(/^(\d+)\/(\d+)$/);
  const index = Number(m?.[1]), count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) {
    throw new RangeError(`Cannot read shard "${spec}": use i/n with 0 <= i < n, e.g. 0/2`);
  }
  return { index, count };
}

export const shardKey = (s: Shard) => `${s.index}/${s.count}`;

/** The run id: the same model, period, sample size and seed always give the same id. */
/** What an inference run's row records of its sample (both engines write it; each adds its own keys). */
export function inferRunParams(since: string, spec: SampleSpec, modelVersion: string) {
  return {
    since,
    from: spec.period.from.toISOString(),
    to: spec.period.to.toISOString(),
    sample: spec.size,
    seed: spec.seed,
    model: modelVersion,
  };
}

export function inferRunId(modelVersion: string, spec: SampleSpec): string {
  const key = JSON.stringify([
    modelVersion,
    spec.period.from.toISOString(),
    spec.period.to.toISOString(),
    spec.size,
    spec.seed,
  ]);
  const stamp = spec.period.to.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `infer-${stamp}-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
}

/** The ids of the sample (of one shard), in sample order. */
export async function sampleIds(db: Db, spec: SampleSpec, shard: Shard = WHOLE): Promise<string[]> {
  if (!Number.isInteger(spec.size) || spec.size < 1) {
    throw new RangeError(`Cannot draw a sample of "${spec.size}" posts: use a positive integer`);
  }
  const rows = await db.query<{ id: string }>(
    `select id from (
       select id, md5($3 || ':' || id) as rank from posts
       where created_at >= $1 and created_at < $2
       order by rank, id limit $4) s
     where mod(('x' || substr(md5(id), 1, 7))::bit(28)::int, $5) = $6
     order by rank, id`,
    [
      spec.period.from.toISOString(),
      spec.period.to.toISOString(),
      String(spec.seed),
      spec.size,
      shard.count,
      shard.index,
    ],
  );
  return rows.map((r) => r.id);
}
