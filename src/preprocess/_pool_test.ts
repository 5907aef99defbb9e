import assert from "node:assert/strict";
import { mapAll, mapOrdered } from "./_pool.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("mapOrdered() yields in input order however long each call takes", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const out: number[] = [];
  for await (
    const x of mapOrdered([30, 5, 20, 1, 10], 3, async (ms) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(ms);
      inFlight--;
      return ms;
    })
  ) out.push(x);
  assert.deepEqual(out, [30, 5, 20, 1, 10]);
  assert.equal(maxInFlight, 3);
});

Deno.test("mapOrdered() surfaces a failure at its turn and closes the input", async () => {
  let closed = false;
  function* inputs() {
    try {
      for (let i = 0; i < 100; i++) yield i;
    } finally {
      closed = true;
    }
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (
      const x of mapOrdered(inputs(), 2, async (i) => {
        if (i === 3) throw new Error("boom");
        await sleep(1);
        return i;
      })
    ) seen.push(x);
  }, /boom/);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(closed, true);
});

Deno.test("mapAll() passes indices and refuses a zero concurrency", async () => {
  assert.deepEqual(await mapAll(["a", "b", "c"], 2, (s, i) => Promise.resolve(`${s}${i}`)), [
    "a0",
    "b1",
    "c2",
  ]);
  await assert.rejects(() => mapAll([1], 0, (x) => Promise.resolve(x)), RangeError);
});
