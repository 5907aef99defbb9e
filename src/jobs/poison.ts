/**
 * A poison post never fails its batch for good: the first attempt runs the batch whole (fast); when it
 * throws, the engine retries it with backoff, and the retry runs the posts one at a time, setting aside
 * (in `quarantine`, with the error) each post that still throws, so the rest of the batch is done. A
 * failure that is not the post's — the database gone — is rethrown and the job retried (then
 * dead-lettered), never blamed on the posts.
 */
import type { EngineJob, JobOutcome } from "@/queue/mod.ts";

export interface Isolation {
  /** Does the work for these posts. */
  run(ids: string[]): Promise<void>;
  /** Records a post that failed on its own. */
  setAside(id: string, err: Error): Promise<void>;
  /** Throws when the failure is the system's (e.g. `select 1` on the database). */
  probe(): Promise<void>;
}

/** Settles one batch job (see the module comment). Resolves to its outcome; never throws. */
export async function settleBatch(
  job: EngineJob<{ ids: string[] }>,
  work: Isolation,
): Promise<JobOutcome> {
  try {
    if (job.retryCount === 0) {
      await work.run(job.data.ids);
      return { id: job.id, status: "completed", output: { posts: job.data.ids.length } };
    }
    let setAside = 0;
    for (const id of job.data.ids) {
      try {
        await work.run([id]);
      } catch (err) {
        await work.probe(); // the system failed, not the post: fail the job, blame no post
        await work.setAside(id, err as Error);
        setAside++;
      }
    }
    return { id: job.id, status: "completed", output: { posts: job.data.ids.length, set_aside: setAside } };
  } catch (err) {
    return failed(job.id, err);
  }
}

/** Settles a job that has no posts to isolate: done, or failed (retried, then dead-lettered). */
export async function settleWhole(job: EngineJob<unknown>, run: () => Promise<unknown>): Promise<JobOutcome> {
  try {
    const output = await run();
    return { id: job.id, status: "completed", output: (output ?? {}) as Record<string, unknown> };
  } catch (err) {
    return failed(job.id, err);
  }
}

function failed(id: string, err: unknown): JobOutcome {
  const e = err as Error;
  return { id, status: "failed", output: { message: e.message, name: e.name } };
}
