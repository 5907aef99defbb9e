import assert from "node:assert/strict";
import { labelMatrix, weightedFBeta } from "./f_beta.ts";
import { applyRules, bestCut, chooseRules, type DecisionRule, tagRanks } from "./decision_rules.ts";

const matrix = (rows: number[][]) => ({
  data: Float32Array.from(rows.flat()),
  rows: rows.length,
  cols: rows[0].length,
});

Deno.test("bestCut() counts positives outside the scores as misses", () => {
  const scores = [0.9, 0.8, 0.3], truth = [1, 0, 1];
  // F1 at the top cut 2/3, at the middle 1/2, with every score 0.8: the lowest score is the cut
  assert.deepEqual(bestCut(scores, truth, { beta: 1 }), { cut: 0.3, f: 0.8, predicted: 3 });
  // two more positives never reached: F0.5 at the top cut is 1.25 / (1.25 + 0.25 * 3) = 0.625
  const withMissed = bestCut(scores, truth, { beta: 0.5, missed: 2 });
  assert.ok(Math.abs(withMissed.f - 0.625) < 1e-9, String(withMissed.f));
  assert.ok(Math.abs(withMissed.cut - 0.85) < 1e-9);
  assert.ok(Number.isNaN(bestCut([0.5, 0.4], [0, 0]).cut));
});

// 30 rows at scores 1.00, 0.99, ...; 14 positives. F0.5 by rows predicted: a narrow peak of 0.735 at 5 rows
// (all positive), then 0.50 at 9, and a broad second rise: 0.676 at 15, 0.705 at 16, 0.671 at 17, 0.698 at
// 18, 0.667 at 19.
const PEAKED = "111110000111011101000000110000".split("").map(Number);
const peakedScores = PEAKED.map((_, i) => 1 - i / 100);
const cutAfter = (k: number) => (peakedScores[k - 1] + peakedScores[k]) / 2;

Deno.test("bestCut() with smooth takes the best of the averaged curve, not a narrow peak", () => {
  const raw = bestCut(peakedScores, PEAKED);
  assert.equal(raw.predicted, 5);
  assert.ok(Math.abs(raw.cut - cutAfter(5)) < 1e-12);
  // +/- sqrt(14) = 3.7 rows: the broad rise averages higher than the narrow peak and its fall to 9 rows
  const smoothed = bestCut(peakedScores, PEAKED, { smooth: 1 });
  assert.equal(smoothed.predicted, 17);
  assert.ok(Math.abs(smoothed.cut - cutAfter(17)) < 1e-12);
  assert.ok(Math.abs(smoothed.f - 1.25 * 11 / (1.25 * 11 + 0.25 * 3 + 6)) < 1e-12, "its own F");
});

Deno.test("bestCut() with slack takes the count nearest the positives among near-best cuts", () => {
  // within 0.05 of 0.735: 5, 16 and 18 rows; 16 is nearest the 14 positives
  assert.equal(bestCut(peakedScores, PEAKED, { slack: 0.05 }).predicted, 16);
  // within 0.1: 14 rows (0.643) qualifies, exactly the positives
  const wide = bestCut(peakedScores, PEAKED, { slack: 0.1 });
  assert.equal(wide.predicted, 14);
  assert.ok(Math.abs(wide.cut - cutAfter(14)) < 1e-12);
  assert.equal(bestCut(peakedScores, PEAKED, { slack: 0 }).predicted, 5);
});

Deno.test("chooseRules() with countAllowance moves a rare tag's count more than a frequent one's", () => {
  // tag 0: 42 of 60 posts, perfectly ranked; tag 1: the peaked tag over the first 30 posts, 14 positives
  const rows = Array.from({ length: 60 }, (_, i) => [1 - i / 100, i < 30 ? peakedScores[i] : 0.5 - i / 1000]);
  const truth = rows.map((_, i) => [...(i < 42 ? [0] : []), ...(i < 30 && PEAKED[i] ? [1] : [])]);
  const y = labelMatrix(truth, 2), scores = matrix(rows);
  const threshold = (r: DecisionRule) => (r as { threshold: number }).threshold;
  const plain = chooseRules(scores, y, { shrink: 0, rules: [] });
  assert.ok(Math.abs(threshold(plain.rules[1]) - cutAfter(5)) < 1e-6, "float32 scores");
  // 0.0125 of the weighted F0.5 is 0.0125 x 56 / 14 = 0.05 of tag 1's own, 0.017 of tag 0's
  const counted = chooseRules(scores, y, { shrink: 0, rules: [], countAllowance: 0.0125 });
  assert.ok(Math.abs(threshold(counted.rules[1]) - cutAfter(16)) < 1e-6, String(threshold(counted.rules[1])));
  assert.equal(threshold(counted.rules[0]), threshold(plain.rules[0]), "tag 0's best cut already counts 42");
  const pred = applyRules(scores, counted.rules);
  assert.equal(Array.from({ length: 60 }, (_, r) => pred.data[r * 2 + 1]).reduce((a, b) => a + b, 0), 16);
});

Deno.test("tagRanks() ranks each post's tags by probability", () => {
  assert.deepEqual(Array.from(tagRanks(matrix([[0.1, 0.7, 0.2], [0.5, 0.4, 0.9]]))), [3, 1, 2, 2, 3, 1]);
});

Deno.test("chooseRules() picks top-1 for a tag that is right only where it is the post's strongest", () => {
  // tag 0 is true where it beats tag 1, whatever its own level; tag 1 is true where it is high
  const rows: number[][] = [], truth: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const a = 0.3 + 0.4 * ((i * 7919) % 100) / 100, b = 0.2 + 0.6 * ((i * 104729) % 100) / 100;
    rows.push([a, b]);
    truth.push([...(a > b ? [0] : []), ...(b > 0.6 ? [1] : [])]);
  }
  const scores = matrix(rows), y = labelMatrix(truth, 2);
  const chosen = chooseRules(scores, y, { shrink: 0 });
  assert.equal(chosen.rules[0].rule, "top-k");
  assert.equal((chosen.rules[0] as { k: number }).k, 1);
  assert.equal(chosen.rules[1].rule, "threshold");
  const only = chooseRules(scores, y, { shrink: 0, rules: [] });
  assert.ok(
    weightedFBeta(y, applyRules(scores, chosen.rules), { beta: 0.5 }) >
      weightedFBeta(y, applyRules(scores, only.rules), { beta: 0.5 }),
  );
});

Deno.test("chooseRules() predicts a frequent tag for every post when its threshold finds none", () => {
  // tag 1 (300 of 400 posts, scores 0.9 / 0.1) sets the global threshold above 0.1; tag 0 (100 of 400)
  // has flat scores of 0.05, so held at the global threshold it is never predicted
  const rows = Array.from({ length: 400 }, (_, i) => [0.05, i < 300 ? 0.9 : 0.1]);
  const truth = rows.map((_, i) => [...(i % 4 === 0 ? [0] : []), ...(i < 300 ? [1] : [])]);
  const y = labelMatrix(truth, 2);
  const chosen = chooseRules(matrix(rows), y, { shrink: 1e9 });
  assert.ok(chosen.global > 0.1 && chosen.global < 0.9, String(chosen.global));
  assert.deepEqual(chosen.rules[0], { rule: "every-post" });
  assert.ok(Math.abs(chosen.fbeta[0] - 1.25 * 0.25 / (1.25 * 0.25 + 0.75)) < 1e-9);
  assert.equal(chosen.rules[1].rule, "threshold");
  // below everyPostShare the rule is not tried
  const strict = chooseRules(matrix(rows), y, { shrink: 1e9, everyPostShare: 0.3 });
  assert.equal(strict.rules[0].rule, "threshold");
});

Deno.test("chooseRules() shrinks a tag's threshold toward the global one by its positives", () => {
  // one tag, 5 positives at 0.9, negatives at 0.1: its own cut is 0.5
  const rows = Array.from({ length: 50 }, (_, i) => [i < 5 ? 0.9 : 0.1, i % 2 ? 0.8 : 0.2]);
  const truth = rows.map((_, i) => [...(i < 5 ? [0] : []), ...(i % 2 ? [1] : [])]);
  const y = labelMatrix(truth, 2);
  const own = chooseRules(matrix(rows), y, { shrink: 0, rules: [] });
  const shrunk = chooseRules(matrix(rows), y, { shrink: 5, rules: [] });
  const t0 = (own.rules[0] as { threshold: number }).threshold;
  const t1 = (shrunk.rules[0] as { threshold: number }).threshold;
  assert.ok(Math.abs(t0 - 0.5) < 1e-6, String(t0));
  assert.ok(Math.abs(t1 - (5 * t0 + 5 * shrunk.global) / 10) < 1e-9);
  // fewer positives than minPositives: the global threshold
  const few = chooseRules(matrix(rows), y, { minPositives: 6, rules: [] });
  assert.equal((few.rules[0] as { threshold: number }).threshold, few.global);
});

Deno.test("applyRules() applies each tag's rule, top-k against the post's ranks", () => {
  const scores = matrix([[0.6, 0.7, 0.1], [0.6, 0.2, 0.1]]);
  const pred = applyRules(scores, [
    { rule: "top-k", k: 1, threshold: 0.5 },
    { rule: "threshold", threshold: 0.65 },
    { rule: "every-post" },
  ]);
  assert.deepEqual(Array.from(pred.data), [0, 1, 1, 1, 0, 1]);
  assert.throws(() => applyRules(scores, [{ rule: "every-post" }]), /"1" rules for 3 tags/);
});
