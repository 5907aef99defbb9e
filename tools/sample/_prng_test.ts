import assert from "node:assert/strict";
import { deriveSeed, Prng } from "./_prng.ts";

Deno.test("Prng repeats its stream for a seed and stays in [0, 1)", () => {
  const a = new Prng(42), b = new Prng(42), c = new Prng(43);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
});

Deno.test("Prng.weightedIndex() follows the weights and rejects an all-zero table", () => {
  const rng = new Prng(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 6000; i++) counts[rng.weightedIndex([1, 0, 3])]++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[2] / counts[0] - 3) < 0.4, String(counts));
  assert.throws(() => rng.weightedIndex([0, 0]), RangeError);
});

Deno.test("deriveSeed() separates parts and is stable", () => {
  assert.equal(deriveSeed(7, "s000001", 0), deriveSeed(7, "s000001", 0));
  assert.notEqual(deriveSeed(7, "s000001", 0), deriveSeed(7, "s000001", 1));
  assert.notEqual(deriveSeed(7, "s000001", 0), deriveSeed(8, "s000001", 0));
});
