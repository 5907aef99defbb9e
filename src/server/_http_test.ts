import assert from "node:assert/strict";
import { ResponseCache } from "./_http.ts";

Deno.test("ResponseCache.validate() awaits an overdue check and runs a due one behind the entries", async () => {
  let clock = 0;
  let generation = 1;
  let calls = 0;
  let release: () => void = () => {};
  const cache = new ResponseCache(60_000, {
    checkMs: 1000,
    now: () => clock,
    generation: () => {
      calls++;
      return new Promise((resolve) => release = () => resolve(generation));
    },
  });
  // Never checked: the request waits for the check.
  let done = false;
  const first = cache.validate().then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false);
  release();
  await first;
  cache.set("/api/tags", "{}");
  // Within the interval: no check.
  clock = 999;
  await cache.validate();
  assert.equal(calls, 1);
  // Due: the check starts, the request goes on with the entry while it runs.
  generation = 2;
  clock = 1500;
  await cache.validate();
  assert.equal(calls, 2);
  assert.ok(cache.get("/api/tags"), "served while the check runs");
  await cache.validate(); // one check at a time
  assert.equal(calls, 2);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(cache.get("/api/tags"), undefined, "the new generation emptied the cache");
  // Overdue (two intervals since the last check): awaited again.
  cache.set("/api/tags", "{}");
  clock = 1500 + 2000;
  done = false;
  const overdue = cache.validate().then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false);
  release();
  await overdue;
  assert.equal(calls, 3);
});
