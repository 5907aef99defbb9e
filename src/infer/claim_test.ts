import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { claimShard, holderIsDead, InferBusyError } from "./claim.ts";

dbTest("claimShard() refuses a second worker on the same shard until the first releases it", async (db) => {
  const a = await claimShard(db, "run-1", { index: 0, count: 1 });
  await assert.rejects(claimShard(db, "run-1", { index: 0, count: 1 }), InferBusyError);
  await a.renew();
  await a.release();
  const b = await claimShard(db, "run-1", { index: 0, count: 1 });
  await assert.rejects(a.renew(), InferBusyError);
  await b.release();
});

dbTest("claimShard() lets shards of one split run side by side but not a different split", async (db) => {
  const s0 = await claimShard(db, "run-2", { index: 0, count: 2 });
  const s1 = await claimShard(db, "run-2", { index: 1, count: 2 });
  await assert.rejects(claimShard(db, "run-2", { index: 0, count: 1 }), InferBusyError);
  const other = await claimShard(db, "run-3", { index: 0, count: 1 });
  for (const c of [s0, s1, other]) await c.release();
});

dbTest("claimShard() takes over a shard whose holder stopped its heartbeat past the lease", async (db) => {
  const dead = await claimShard(db, "run-4", { index: 0, count: 1 }, { owner: "dead" });
  await db.query("update infer_claims set heartbeat_at = now() - interval '10 minutes' where owner = 'dead'");
  await assert.rejects(
    claimShard(db, "run-4", { index: 0, count: 1 }, { leaseSeconds: 3600 }),
    InferBusyError,
  );
  const live = await claimShard(db, "run-4", { index: 0, count: 1 }, { leaseSeconds: 60, owner: "live" });
  await assert.rejects(dead.renew(), InferBusyError);
  await live.release();
});

dbTest(
  "claimShard() takes over at once from a killed holder on this host, never from a live one",
  async (db) => {
    const child = new Deno.Command("sleep", { args: ["0"] }).spawn();
    await child.status; // a pid that ran here and is gone
    const deadOwner = `${Deno.hostname()}:${child.pid}:killed`;
    assert.equal(holderIsDead(deadOwner), true);
    assert.equal(holderIsDead(`${Deno.hostname()}:${Deno.pid}:alive`), false);
    assert.equal(holderIsDead(`other-host:${child.pid}:x`), false);
    await claimShard(db, "run-5", { index: 0, count: 1 }, { owner: deadOwner }); // heartbeat fresh
    const next = await claimShard(db, "run-5", { index: 0, count: 1 });
    assert.notEqual(next.owner, deadOwner);
    await assert.rejects(claimShard(db, "run-5", { index: 0, count: 1 }), /wait for it to finish/);
    await next.release();
  },
);
