/**
 * One post at a time per annotator: taking the next post of a queue leases it (nobody else is given it
 * until the lease ends), skipping or labeling it closes the lease for good. Labels are written with the
 * same `insertLabels` the CSV import uses: the annotator, the time, and the queue as their source.
 */
import type { Db } from "@/store/mod.ts";
import { insertLabels, type LabelRow } from "@/store/mod.ts";
import { type Candidate, type CandidateOptions, queueCandidates, type QueueName } from "./queues.ts";

/** Raised when another annotator holds the post now (the HTTP layer answers 409). */
export class PostTakenError extends Error {
  override name = "PostTakenError";
}

export interface Assignment extends Candidate {
  queue: QueueName;
  expiresAt: string;
}

export interface NextOptions extends CandidateOptions {
  /** How long a lease lasts without an answer, seconds. @default 900 */
  leaseSeconds?: number;
}

interface AssignmentRow {
  post_id: string;
  queue: QueueName;
  expires_at: Date | string;
  detail: { uncertainty?: number | null; tags?: string[] };
  [k: string]: unknown;
}

const RETURNING = "returning post_id, queue, expires_at, detail";

const toAssignment = (r: AssignmentRow): Assignment => ({
  postId: r.post_id,
  queue: r.queue,
  uncertainty: r.detail.uncertainty ?? null,
  tags: r.detail.tags ?? [],
  expiresAt: new Date(r.expires_at).toISOString(),
});

/**
 * The annotator's current post of `queue` (a reload shows the same post), else the next free candidate,
 * leased to them; undefined when the queue is empty. Two annotators racing for one post: the unique
 * index on open leases lets one win, and the other takes the next candidate.
 */
export async function nextAssignment(
  db: Db,
  annotator: string,
  queue: QueueName,
  options: NextOptions = {},
): Promise<Assignment | undefined> {
  if (!annotator.trim()) throw new TypeError(`Cannot assign a post: annotator "${annotator}" is empty`);
  const lease = `${options.leaseSeconds ?? 900} seconds`;
  await db.query("delete from label_assignments where status = 'open' and expires_at <= now()");
  const held = await db.query<AssignmentRow>(
    `update label_assignments set expires_at = now() + $3::interval
     where annotator = $1 and queue = $2 and status = 'open' ${RETURNING}`,
    [annotator, queue, lease],
  );
  if (held[0]) return toAssignment(held[0]);
  // One post at a time: a lease in another queue is given back.
  await db.query("delete from label_assignments where annotator = $1 and status = 'open'", [annotator]);
  for (let attempt = 0; attempt < 3; attempt++) {
    const candidates = await queueCandidates(db, annotator, queue, options);
    if (candidates.length === 0) return undefined;
    for (const c of candidates) {
      const won = await db.query<AssignmentRow>(
        `insert into label_assignments (post_id, annotator, queue, expires_at, detail)
         values ($1, $2, $3, now() + $4::interval, $5::jsonb) on conflict do nothing ${RETURNING}`,
        [c.postId, annotator, queue, lease, JSON.stringify({ uncertainty: c.uncertainty, tags: c.tags })],
      );
      if (won[0]) return toAssignment(won[0]);
    }
  }
  return undefined;
}

/** Gives back the annotator's open lease (a session that ends without an answer); returns how many. */
export async function releaseLeases(db: Db, annotator: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `with d as (delete from label_assignments where annotator = $1 and status = 'open' returning 1)
     select count(*)::int as n from d`,
    [annotator],
  );
  return rows[0].n;
}

/** Another annotator's unexpired lease on the post, if any. */
async function holderOf(db: Db, postId: string, annotator: string): Promise<string | undefined> {
  const rows = await db.query<{ annotator: string }>(
    `select annotator from label_assignments
     where post_id = $1 and status = 'open' and expires_at > now() and annotator <> $2`,
    [postId, annotator],
  );
  return rows[0]?.annotator;
}

async function close(db: Db, postId: string, annotator: string, queue: string, status: "skipped" | "done") {
  await db.query(
    `insert into label_assignments (post_id, annotator, queue, status, expires_at, finished_at)
     values ($1, $2, $3, $4, now(), now())
     on conflict (post_id, annotator) do update set status = excluded.status, finished_at = now(),
       expires_at = now()`,
    [postId, annotator, queue, status],
  );
}

/** The annotator passes on the post: it is not shown to them again; others may still get it. */
export async function skipPost(db: Db, annotator: string, postId: string, queue: QueueName): Promise<void> {
  const holder = await holderOf(db, postId, annotator);
  if (holder) throw new PostTakenError(`Cannot skip post "${postId}": annotator "${holder}" holds it now`);
  await close(db, postId, annotator, queue, "skipped");
}

export interface Answer {
  annotator: string;
  postId: string;
  queue: QueueName;
  /** The tags that apply; empty with `vocabulary` for "none of these". */
  tags: string[];
  /** Every tag the annotator was shown: those not chosen are recorded as explicit "not this tag". */
  vocabulary: string[];
  /** @default now */
  labeledAt?: Date;
}

/**
 * Records an annotator's answer — value true for each chosen tag, false for each other tag shown — and
 * closes the post's lease, in one transaction. Returns the labels written (a label the same annotator
 * already gave is kept as it was). Unknown tags are refused; so is a post another annotator holds.
 */
export async function submitAnswer(db: Db, answer: Answer): Promise<number> {
  const vocabulary = [...new Set([...answer.vocabulary, ...answer.tags])];
  const known = await db.query<{ name: string }>("select name from tags where name = any($1::text[])", [
    vocabulary,
  ]);
  const names = new Set(known.map((r) => r.name));
  const unknown = vocabulary.find((t) => !names.has(t));
  if (unknown !== undefined) {
    throw new RangeError(`Cannot record labels: tag "${unknown}" is not in the vocabulary`);
  }
  const exists = await db.query("select 1 from posts where id = $1", [answer.postId]);
  if (exists.length === 0) {
    throw new RangeError(`Cannot record labels: post "${answer.postId}" is not in the store`);
  }
  const holder = await holderOf(db, answer.postId, answer.annotator);
  if (holder) {
    throw new PostTakenError(
      `Cannot record labels for post "${answer.postId}": annotator "${holder}" holds it now`,
    );
  }
  const chosen = new Set(answer.tags);
  const labeledAt = answer.labeledAt ?? new Date();
  const rows: LabelRow[] = vocabulary.map((tag) => ({
    postId: answer.postId,
    tag,
    value: chosen.has(tag),
    annotator: answer.annotator,
    source: `label-page:${answer.queue}`,
    labeledAt,
  }));
  return await db.transaction(async (tx) => {
    const written = await insertLabels(tx, rows);
    await close(tx, answer.postId, answer.annotator, answer.queue, "done");
    return written;
  });
}
