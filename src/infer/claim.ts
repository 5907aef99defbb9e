/**
 * One worker per shard of a run: a claim row with a heartbeat. Claiming is one atomic upsert that wins
 * only when no row exists or the holder's heartbeat is older than the lease (it was killed), so two jobs
 * started at once on the same period never both write. Works the same on PGlite and PostgreSQL.
 */
import type { Db } from "@/store/mod.ts";
import { type Shard, shardKey } from "./sample.ts";

/** Another worker holds the shard (or the run is split differently right now). Exit code 75. */
export class InferBusyError extends Error {
  override name = "InferBusyError";
}

/**
 * Whether `owner` (host:pid:random, the default owner) names a process of this host that no longer runs.
 * Linux only (/proc); elsewhere, and for owners on other hosts, the lease decides.
 */
export function holderIsDead(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== Deno.hostname() || !/^\d+$/.test(pid ?? "") || Deno.build.os !== "linux") return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return false;
  } catch {
    return true;
  }
}

export interface Claim {
  runId: string;
  shard: Shard;
  owner: string;
  /** Renews the heartbeat; throws InferBusyError when another worker has taken the shard over. */
  renew(db?: Db): Promise<void>;
  /** Gives the shard up (on finish or failure), so a rerun need not wait for the lease. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** A heartbeat older than this lets another worker take over. @default 600 */
  leaseSeconds?: number;
  /** Names the holder in messages. @default host:pid:random */
  owner?: string;
}

export async function claimShard(
  db: Db,
  runId: string,
  shard: Shard,
  options: ClaimOptions = {},
): Promise<Claim> {
  const lease = options.leaseSeconds ?? 600;
  const owner = options.owner ?? `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
  const key = shardKey(shard);
  const others = await db.query<{ shard: string; owner: string }>(
    `select shard, owner from infer_claims
     where run_id = $1 and shard not like $2 and heartbeat_at >= now() - make_interval(secs => $3)`,
    [runId, `%/${shard.count}`, lease],
  );
  if (others.length > 0) {
    throw new InferBusyError(
      `Cannot claim shard "${key}" of run "${runId}": the run is being scored as shard "${
        others[0].shard
      }" ` +
        `by "${others[0].owner}"; use the same shard count or wait for it to finish`,
    );
  }
  const won = await db.query(
    `insert into infer_claims (run_id, shard, owner) values ($1, $2, $3)
     on conflict (run_id, shard) do update
       set owner = excluded.owner, claimed_at = now(), heartbeat_at = now()
       where infer_claims.heartbeat_at < now() - make_interval(secs => $4)
     returning owner`,
    [runId, key, owner, lease],
  );
  if (won.length === 0) {
    const [held] = await db.query<{ owner: string; age: number }>(
      `select owner, extract(epoch from now() - heartbeat_at)::float8 as age from infer_claims
       where run_id = $1 and shard = $2`,
      [runId, key],
    );
    // A holder on this host whose process is gone (killed) need not be waited for: take over from it,
    // only if it still holds the shard (compare and set).
    const taken = held && holderIsDead(held.owner)
      ? await db.query(
        `update infer_claims set owner = $3, claimed_at = now(), heartbeat_at = now()
         where run_id = $1 and shard = $2 and owner = $4 returning owner`,
        [runId, key, owner, held.owner],
      )
      : [];
    if (taken.length === 0) {
      throw new InferBusyError(
        `Cannot claim shard "${key}" of run "${runId}": held by "${held?.owner}" ` +
          `(heartbeat ${
            Math.round(held?.age ?? 0)
          } s ago, lease ${lease} s): wait for it to finish, or for ` +
          `its lease to run out if it was stopped on another machine`,
      );
    }
  }
  return {
    runId,
    shard,
    owner,
    async renew(via: Db = db) {
      const rows = await via.query(
        `update infer_claims set heartbeat_at = now() where run_id = $1 and shard = $2 and owner = $3
         returning owner`,
        [runId, key, owner],
      );
      if (rows.length === 0) {
        throw new InferBusyError(
          `Cannot go on with shard "${key}" of run "${runId}": another worker took it over (lease expired)`,
        );
      }
    },
    async release() {
      await db.query("delete from infer_claims where run_id = $1 and shard = $2 and owner = $3", [
        runId,
        key,
        owner,
      ]);
    },
  };
}
