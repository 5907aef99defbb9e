import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend.ts";
import { positiveWeights, weightedBceFromLogits } from "./loss.ts";

await selectBackend({ backend: "wasm" });

// 10 posts x 3 tags: tag 0 has 1 positive, tag 1 has 5, tag 2 none.
const labels = new Uint8Array(30);
labels[0] = 1;
for (let i = 0; i < 5; i++) labels[i * 3 + 1] = 1;

Deno.test("positiveWeights() computes neg/pos, its square root or 1, capped", async (t) => {
  await t.step("inverse", () => {
    assert.deepEqual(Array.from(positiveWeights(labels, 3, { weighting: "inverse", cap: 50 })), [9, 1, 50]);
  });
  await t.step("inverse capped", () => {
    assert.deepEqual(Array.from(positiveWeights(labels, 3, { weighting: "inverse", cap: 4 })), [4, 1, 4]);
  });
  await t.step("inverse-sqrt", () => {
    assert.deepEqual(Array.from(positiveWeights(labels, 3, { weighting: "inverse-sqrt", cap: 50 })), [
      3,
      1,
      50,
    ]);
  });
  await t.step("none", () => {
    assert.deepEqual(Array.from(positiveWeights(labels, 3, { weighting: "none" })), [1, 1, 1]);
  });
  await t.step("labels not a multiple of the tag count", () => {
    assert.throws(() => positiveWeights(labels, 4), /not a multiple of 4 tags/);
  });
});

Deno.test("weightedBceFromLogits() matches the definition and stays finite for huge logits", async () => {
  const x = [2, -1, 0.5, -3];
  const y = [1, 0, 1, 0];
  const w = [4, 2];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const expected = x.reduce((s, v, i) => {
    const pw = w[i % 2];
    return s - (pw * y[i] * Math.log(sig(v)) + (1 - y[i]) * Math.log(1 - sig(v)));
  }, 0) / 4;
  const got = weightedBceFromLogits(tf.tensor2d(x, [2, 2]), tf.tensor2d(y, [2, 2]), tf.tensor1d(w));
  assert.ok(Math.abs((await got.data())[0] - expected) < 1e-5);
  const huge = weightedBceFromLogits(
    tf.tensor2d([100, -100], [1, 2]),
    tf.tensor2d([0, 1], [1, 2]),
    tf.tensor1d(w),
  );
  const value = (await huge.data())[0];
  assert.ok(Math.abs(value - (100 + 2 * 100) / 2) < 1e-3, `loss ${value}`);
});
