/**
 * What the job engine holds, read with plain SQL through the store's connection: the server and
 * `deno task jobs status` show it without starting an engine (and the embedded database, which has no
 * engine, answers with its set-aside items alone). Reads pg-boss's `pgboss.job` table, whose columns
 * pg-boss documents as its job record.
 */
import type { Db } from "@/store/mod.ts";
import { DEAD_LETTER_QUEUE, QUEUES } from "./queues.ts";

export interface QueueCounts {
  queue: string;
  /** Waiting for a worker (or for the jobs it depends on). */
  queued: number;
  /** Held by a worker now. */
  active: number;
  /** Failed an attempt and waiting for its retry (backoff). */
  retry: number;
  completed: number;
  /** Failed its last attempt (its copy is in the dead-letter list). */
  failed: number;
}

/** A job that failed every attempt. */
export interface DeadJob {
  id: string;
  /** The queue it failed on. */
  queue: string;
  attempts: number;
  error: string;
  /** Posts, chunk or run it was about. */
  about: string;
  dead_since: string;
}

/** One post or row a job set aside (in `quarantine`) so that its batch could go on. */
export interface SetAsideItem {
  stage: string;
  item: string;
  modality: string;
  reason: string;
  queue: string;
  at: string;
}

export interface JobsStatus {
  /** "pg-boss" on PostgreSQL once a worker or an enqueuing task started it; "in-process" otherwise. */
  engine: "pg-boss" | "in-process";
  queues: QueueCounts[];
  /** The dead-letter list: jobs that failed every attempt, then the items jobs set aside. */
  dead: DeadJob[];
  set_aside: SetAsideItem[];
}

/** The engine's queues, dead jobs and set-aside items (at most `limit` of each, newest first). */
export async function jobsStatus(db: Db, options: { limit?: number } = {}): Promise<JobsStatus> {
  const limit = options.limit ?? 200;
  const setAside = await db.query<SetAsideItem & Record<string, unknown>>(
    `select stage, item, modality, reason, detail ->> 'job' as queue,
       to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at
     from quarantine where detail ? 'job' order by created_at desc, item limit $1`,
    [limit],
  );
  const [{ installed }] = await db.query<{ installed: boolean }>(
    "select to_regclass('pgboss.job') is not null as installed",
  );
  if (db.kind !== "postgres" || !installed) {
    return { engine: "in-process", queues: [], dead: [], set_aside: setAside };
  }
  const counts = await db.query<{ queue: string; state: string; n: number }>(
    `select name as queue, state::text as state, count(*)::int as n from pgboss.job
     where name = any($1::text[]) group by 1, 2`,
    [[...QUEUES]],
  );
  const queues = QUEUES.map((queue) => {
    const n = (state: string) => counts.find((c) => c.queue === queue && c.state === state)?.n ?? 0;
    return {
      queue,
      queued: n("created"),
      active: n("active"),
      retry: n("retry"),
      completed: n("completed"),
      failed: n("failed"),
    };
  });
  const dead = await db.query<DeadJob & Record<string, unknown>>(
    `select id::text, coalesce(source_name, '?') as queue, coalesce(source_retry_count, 0) + 1 as attempts,
       coalesce(source_output ->> 'message', source_output::text, '') as error,
       left(coalesce(data ->> 'about', data::text), 200) as about,
       to_char(created_on at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as dead_since
     from pgboss.job where name = $1 and state in ('created', 'retry')
     order by created_on desc limit $2`,
    [DEAD_LETTER_QUEUE, limit],
  );
  return { engine: "pg-boss", queues, dead, set_aside: setAside };
}

/** A job's state ("created", "active", "retry", "completed", "failed", ...), or undefined when unknown. */
export async function jobState(db: Db, id: string): Promise<string | undefined> {
  const rows = await db.query<{ state: string }>(
    "select state::text as state from pgboss.job where id = $1::uuid",
    [id],
  );
  return rows[0]?.state;
}

/** Jobs of the queues not settled yet (queued, active or waiting for a retry). */
export async function pendingJobs(db: Db, queues: readonly string[]): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    "select count(*)::int as n from pgboss.job where name = any($1::text[]) and state in ('created', 'active', 'retry')",
    [[...queues]],
  );
  return n;
}
