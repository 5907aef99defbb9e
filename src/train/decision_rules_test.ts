import assert from "node:assert/strict";
import { labelMatrix, weightedFBeta } from "./f_beta.ts";
import { applyRules, bestCut, chooseRules, tagRanks } from "./decision_rules.ts";

const matrix = (rows: number[][]) => ({
  data: Float32Array.from(rows.flat()),
  rows: rows.length,
  cols: rows[0].length,
});

Deno.test("bestCut() counts positives outside the scores as misses", () => {
  const scores = [0.9, 0.8, 0.3], truth = [1, 0, 1];
  // F1 at the top cut 2/3, at the middle 1/2, with every score 0.8: the lowest score is the cut
  assert.deepEqual(bestCut(scores, truth, { beta: 1 }), { cut: 0.3, f: 0.8 });
  // two more positives never reached: F0.5 at the top cut is 1.25 / (1.25 + 0.25 * 3) = 0.625
  const withMissed = bestCut(scores, truth, { beta: 0.5, missed: 2 });
  assert.ok(Math.abs(withMissed.f - 0.625) < 1e-9, String(withMissed.f));
  assert.ok(Math.abs(withMissed.cut - 0.85) < 1e-9);
  assert.ok(Number.isNaN(bestCut([0.5, 0.4], [0, 0]).cut));
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
