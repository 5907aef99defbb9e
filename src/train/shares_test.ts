import assert from "node:assert/strict";
import { labelMatrix } from "./f_beta.ts";
import { adjustedShare, columnShares, estimateShares, shareError, tagRates } from "./shares.ts";

Deno.test("adjustedShare() undoes a classifier's known rates", () => {
  // true share 0.2; tpr 0.8, fpr 0.1 -> expected count share 0.2 * 0.8 + 0.8 * 0.1 = 0.24
  assert.ok(Math.abs(adjustedShare(0.24, { tpr: 0.8, fpr: 0.1 }) - 0.2) < 1e-12);
  // clipped to [0, 1]
  assert.equal(adjustedShare(0.05, { tpr: 0.8, fpr: 0.1 }), 0);
  assert.equal(adjustedShare(0.95, { tpr: 0.8, fpr: 0.1 }), 1);
  // rates too close to tell positives apart: the count stays
  assert.equal(adjustedShare(0.3, { tpr: 0.35, fpr: 0.1 }), 0.3);
});

Deno.test("tagRates() measures true- and false-positive rates per tag", () => {
  const y = labelMatrix([[0], [0], [], [], [1]], 2);
  const p = labelMatrix([[0], [], [0], [], [1]], 2);
  assert.deepEqual(tagRates(y, p), [{ tpr: 0.5, fpr: 1 / 3 }, { tpr: 1, fpr: 0 }]);
});

Deno.test("estimateShares() and shareError() on a hand-made case", () => {
  const decisions = labelMatrix([[0], [0, 1], [], []], 2);
  const probabilities = { data: Float32Array.of(0.5, 0.25, 0.5, 0.25, 0.25, 0, 0.5, 0), rows: 4, cols: 2 };
  const s = estimateShares(decisions, probabilities, [{ tpr: 0.9, fpr: 0.1 }, { tpr: 0.5, fpr: 0.4 }]);
  assert.deepEqual(s.counts, [0.5, 0.25]);
  assert.deepEqual(s.probabilities, [0.4375, 0.125]);
  assert.ok(Math.abs(s.adjusted_counts[0] - 0.5) < 1e-12); // (0.5 - 0.1) / 0.8
  assert.equal(s.adjusted_counts[1], 0.25); // gap 0.1: unadjusted
  assert.deepEqual(columnShares(labelMatrix([[0], [0], [1], []], 2)), [0.5, 0.25]);
  assert.equal(shareError([0.5, 0.25], [0.25, 0.25]), 0.125);
  assert.throws(() => shareError([0.1], [0.1, 0.2]), /"1" estimates for 2 tags/);
});
