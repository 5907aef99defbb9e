import assert from "node:assert/strict";
import { meanStd, smoothedShare, twoProportionZ, wilsonInterval } from "./stats.ts";

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

Deno.test("wilsonInterval() matches the textbook interval for 30 of 100", () => {
  const { low, high } = wilsonInterval(30, 100);
  close(low, 0.21895);
  close(high, 0.39585);
});

Deno.test("wilsonInterval() stays inside [0, 1] at the edges and is the whole range with no trials", () => {
  const zero = wilsonInterval(0, 100);
  close(zero.low, 0);
  close(zero.high, 0.036995);
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
});

Deno.test("twoProportionZ() pools the shares: 30/100 vs 10/100 gives 3.5355", () => {
  close(twoProportionZ(30, 100, 10, 100), 0.2 / Math.sqrt(0.2 * 0.8 * 0.02));
  close(twoProportionZ(10, 100, 30, 100), -3.5355);
  assert.equal(twoProportionZ(0, 100, 0, 100), 0);
  assert.equal(twoProportionZ(3, 0, 1, 10), 0);
});

Deno.test("smoothedShare() adds alpha to the count and twice alpha to the trials", () => {
  assert.equal(smoothedShare(0, 0), 0.5);
  assert.equal(smoothedShare(3, 8, 1), 0.4);
});

Deno.test("meanStd() returns the population standard deviation", () => {
  assert.deepEqual(meanStd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, std: 2 });
  assert.deepEqual(meanStd([]), { mean: 0, std: 0 });
});
