/**
 * The job engine: pg-boss on the shared PostgreSQL (its own schema `pgboss`, created on first start).
 * Imported on first use only, so the embedded database's paths (PGlite, no DATABASE_URL) never load it:
 * there the scripts run the same job handlers in-process.
 *
 * What pg-boss gives and nothing here rebuilds: SKIP LOCKED fetching across any number of worker
 * processes, retries with exponential backoff, heartbeats (a killed worker's job goes to another worker),
 * a dead-letter queue, flows (a job that waits for others: the trend refresh after a run's batches), cron
 * (`schedule`), and batch fetching (a GPU worker takes many encode jobs at once).
 */
import type { PgBoss } from "pg-boss";
import { DEAD_LETTER_QUEUE, QUEUE_POLICY, type QueueName, QUEUES } from "./queues.ts";

export interface EngineOptions {
  /**
   * How often an idle worker looks for work, in seconds. pg-boss's default (2 s per worker, more between
   * batches) left 20 short jobs ~10 s in the queue; batch work wants the next batch at once.
   * @default 0.5
   */
  pollingSeconds?: number;
  /**
   * How often the supervisor and the monitor run: the monitor fails (and so retries) jobs whose worker
   * stopped beating, the supervisor expires jobs past `expireInSeconds`. pg-boss's 60 s each would leave
   * a killed worker's batch a minute longer than its heartbeat. @default 5
   */
  superviseSeconds?: number;
  /** How often a waiting flow step (the refresh after a run) is released. @default 2 */
  flowSeconds?: number;
  /** Connections of this process's pool. @default 4 */
  poolSize?: number;
  /**
   * How often this process re-reads each queue's ready count, in seconds. Burst fetching (the next job at
   * once while more are ready) reads that count; at pg-boss's 60 s a worker waited the polling interval
   * after every short job (400 ms per no-op job in bench scale). @default 1
   */
  readyCountSeconds?: number;
}

/** A job as a handler gets it. */
export interface EngineJob<T> {
  id: string;
  queue: QueueName;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
}

/** How one job of a fetched batch ended: completed, or failed (retried, then dead-lettered). */
export interface JobOutcome {
  id: string;
  status: "completed" | "failed";
  output?: Record<string, unknown>;
}

export interface WorkOptions {
  /** Jobs fetched at once and given to one handler call. @default 1 */
  batchSize?: number;
  /** Handler calls at once in this process. @default 1 */
  concurrency?: number;
}

/** One job of a flow: `dependsOn` names other steps' `ref`s. */
export interface FlowStep {
  ref: string;
  queue: QueueName;
  data: object;
  id: string;
  dependsOn?: string[];
}

export interface Engine {
  /** Sends a job; resolves to null when a job with this id exists already. */
  send(queue: QueueName, data: object, options?: { id?: string }): Promise<string | null>;
  /** Sends jobs that wait for each other, all or none (one transaction). */
  flow(steps: FlowStep[]): Promise<void>;
  /** True when a job with this id is stored (in any state). */
  exists(queue: QueueName, id: string): Promise<boolean>;
  work<T>(
    queue: QueueName,
    options: WorkOptions,
    handler: (jobs: EngineJob<T>[]) => Promise<JobOutcome[]>,
  ): Promise<void>;
  /** Sends dead-lettered jobs back to their queues; returns how many. */
  retryDead(): Promise<number>;
  /** Cron in the engine: sends `data` to `queue` on each occurrence (one job, however many schedulers). */
  schedule(queue: QueueName, cron: string, data: object): Promise<void>;
  /** Removes the queue's schedule. */
  unschedule(queue: QueueName): Promise<void>;
  /** Stops fetching, lets running handlers finish (up to `timeoutSeconds`), closes the pool. */
  stop(options?: { timeoutSeconds?: number }): Promise<void>;
  /** The engine's errors (connection lost ...), which never throw into a handler. */
  onError(listener: (err: Error) => void): void;
}

/** Starts pg-boss on `url` (creating or migrating its schema) and makes sure every queue exists. */
export async function openEngine(url: string, options: EngineOptions = {}): Promise<Engine> {
  const { PgBoss } = await import("pg-boss");
  const polling = options.pollingSeconds ?? 0.5;
  const boss: PgBoss = new PgBoss({
    connectionString: url,
    max: options.poolSize ?? 4,
    superviseIntervalSeconds: options.superviseSeconds ?? 5,
    monitorIntervalSeconds: options.superviseSeconds ?? 5,
    flowIntervalSeconds: options.flowSeconds ?? 2,
    queueCacheIntervalSeconds: options.readyCountSeconds ?? 1,
    application_name: "posttagger-jobs",
  });
  const listeners: ((err: Error) => void)[] = [];
  boss.on("error", (err: Error) => listeners.forEach((l) => l(err)));
  await boss.start();
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  if (!existing.has(DEAD_LETTER_QUEUE)) await boss.createQueue(DEAD_LETTER_QUEUE).catch(ignoreExists);
  for (const name of QUEUES) {
    const p = QUEUE_POLICY[name];
    const policy = { ...p, retryBackoff: true, deadLetter: DEAD_LETTER_QUEUE };
    if (existing.has(name)) await boss.updateQueue(name, policy);
    else await boss.createQueue(name, policy).catch(ignoreExists);
  }
  return {
    async send(queue, data, o = {}) {
      return await boss.send(queue, data, o.id ? { id: o.id } : {});
    },
    async flow(steps) {
      await boss.flow(steps.map((s) => ({
        ref: s.ref,
        name: s.queue,
        data: s.data,
        options: { id: s.id },
        ...(s.dependsOn ? { dependsOn: s.dependsOn } : {}),
      })));
    },
    async exists(queue, id) {
      return (await boss.findJobs(queue, { id })).length > 0;
    },
    async work<T>(
      queue: QueueName,
      o: WorkOptions,
      handler: (jobs: EngineJob<T>[]) => Promise<JobOutcome[]>,
    ) {
      await boss.work<T>(queue, {
        batchSize: o.batchSize ?? 1,
        localConcurrency: o.concurrency ?? 1,
        pollingIntervalSeconds: polling,
        // pg-boss waits the polling interval between fetches even with the queue full. Burst mode fetches
        // on while the last fetch came back full and the ready count (re-read every readyCountSeconds)
        // says more are waiting; a short fetch falls back to polling.
        burstWhenReadyExceeds: 1,
        burstWhenBatchFull: true,
        perJobResults: true,
      }, async (jobs) => {
        const outcomes = await handler(
          jobs.map((j) => ({ id: j.id, queue, data: j.data, retryCount: j.retryCount })),
        );
        return outcomes.map((r) => ({ id: r.id, status: r.status, output: r.output }));
      });
    },
    async retryDead() {
      return await boss.redrive(DEAD_LETTER_QUEUE);
    },
    async schedule(queue, cron, data) {
      await boss.schedule(queue, cron, data, { tz: "UTC" });
    },
    async unschedule(queue) {
      await boss.unschedule(queue);
    },
    async stop(o = {}) {
      await boss.stop({ graceful: true, timeout: (o.timeoutSeconds ?? 30) * 1000 });
    },
    onError(listener) {
      listeners.push(listener);
    },
  };
}

/** Two workers starting at once may both create a queue; the second one's error means it exists. */
function ignoreExists(err: Error): void {
  if (!/already exists|duplicate key/i.test(err.message)) throw err;
}
