/** Waiting for a run's last step (the enqueuing task waits, working on the run's jobs meanwhile). */
import { DEAD_LETTER_QUEUE, jobState } from "@/queue/mod.ts";
import type { Db } from "@/store/mod.ts";

/**
 * Resolves when the job has completed; throws when it failed for good or is gone. A step waiting on a
 * dead-lettered batch never starts: after `stuckSeconds` with a dead batch of the run, it says so.
 */
export async function waitForJob(
  db: Db,
  id: string,
  options: { pollMs?: number; onTick?: () => void | Promise<void>; runId?: string } = {},
): Promise<void> {
  for (;;) {
    const state = await jobState(db, id);
    if (state === "completed") return;
    if (state === "failed" || state === "cancelled") {
      throw new Error(`Cannot finish the run: its last job "${id}" ${state} (see deno task jobs status)`);
    }
    if (state === undefined) throw new Error(`Cannot wait for job "${id}": the engine has no such job`);
    if (options.runId) {
      const [dead] = await db.query<{ n: number }>(
        "select count(*)::int as n from pgboss.job where name = $1 and data ->> 'runId' = $2 and state = 'created'",
        [DEAD_LETTER_QUEUE, options.runId],
      );
      if (dead.n > 0) {
        throw new Error(
          `Cannot finish run "${options.runId}": ${dead.n} of its jobs failed every attempt ` +
            `(deno task jobs status shows why; deno task jobs retry sends them again)`,
        );
      }
    }
    await options.onTick?.();
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
