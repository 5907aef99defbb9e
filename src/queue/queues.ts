/**
 * The queues the pipeline's jobs go through and how each retries. One place for the engine's knobs:
 * retries back off exponentially (pg-boss: `retryDelay * 2^retry` with jitter, capped), a job whose
 * worker stops beating (killed, machine lost) is handed to another worker after the heartbeat, and a job
 * that fails every attempt is moved to the dead-letter queue, where `deno task jobs status` and
 * `GET /api/jobs` show it and `deno task jobs retry` sends it back.
 */

/** Every queue a worker may take, in pipeline order. */
export const QUEUES = ["ingest", "preprocess", "encode", "infer", "trends"] as const;
export type QueueName = typeof QUEUES[number];

/** Where jobs go after their last failed attempt. No worker takes it: it is the dead-letter list. */
export const DEAD_LETTER_QUEUE = "dead-letter";

export interface QueuePolicy {
  /** Attempts after the first. */
  retryLimit: number;
  /** First retry's delay in seconds, doubled each time (with jitter). */
  retryDelay: number;
  /** Longest delay between attempts, in seconds. */
  retryDelayMax: number;
  /** A job not heard from for this long (its worker died) is failed and retried. pg-boss's minimum: 10. */
  heartbeatSeconds: number;
  /** Longest attempt, in seconds, however alive its worker looks. */
  expireInSeconds: number;
}

/** Batch work: 3 retries at ~2, 4, 8 s (the second attempt isolates a poison post, see jobs/). */
const BATCH: QueuePolicy = {
  retryLimit: 3,
  retryDelay: 2,
  retryDelayMax: 60,
  heartbeatSeconds: 10,
  expireInSeconds: 3600,
};

export const QUEUE_POLICY: Record<QueueName, QueuePolicy> = {
  ingest: BATCH,
  preprocess: BATCH,
  encode: BATCH,
  infer: BATCH,
  // A refresh over a long range takes minutes; nothing to isolate, so retry a little more patiently.
  trends: { ...BATCH, retryDelay: 10, retryDelayMax: 300 },
};

/** Parses a `--queues` list; unknown names fail with the known ones. */
export function parseQueues(list: string): QueueName[] {
  const names = [...new Set(list.split(",").map((s) => s.trim()).filter((s) => s.length > 0))];
  for (const n of names) {
    if (!(QUEUES as readonly string[]).includes(n)) {
      throw new RangeError(`Cannot work on queue "${n}": unknown queue (known: ${QUEUES.join(", ")})`);
    }
  }
  if (names.length === 0) throw new RangeError("Cannot work on no queue: name at least one");
  return names as QueueName[];
}

/**
 * A job id derived from what the job does (a UUID shape, as pg-boss wants): enqueuing the same work
 * twice (a rerun in the same window) finds the job already there instead of adding another.
 */
export async function jobId(...parts: string[]): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\u0000"))),
  );
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5 (name-based)
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...bytes.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
