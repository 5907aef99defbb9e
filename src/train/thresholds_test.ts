import assert from "node:assert/strict";
import { labelMatrix } from "./f_beta.ts";
import { applyThresholds, bestTagThreshold, type ScoreMatrix, tuneThresholds } from "./thresholds.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} != ${b}`);

// tag 0: scores 0.9 0.8 0.7 0.6 0.5 0.4, truth 1 1 0 1 0 0 (3 positives)
//   cut after k rows:  k=1 tp1 fp0 fn2  F0.5 = 1.25/1.75 = 0.714   F1 = 2/4 = 0.5
//                      k=2 tp2 fp0 fn1  F0.5 = 2.5/2.75 = 0.909   F1 = 4/5 = 0.8
//                      k=3 tp2 fp1 fn1  F0.5 = 2.5/3.75 = 0.667   F1 = 4/6 = 0.667
//                      k=4 tp3 fp1 fn0  F0.5 = 3.75/4.75 = 0.789  F1 = 6/7 = 0.857
//   best F0.5 at k=2 -> threshold halfway (0.8 + 0.7)/2 = 0.75; best F1 at k=4 -> (0.6 + 0.5)/2 = 0.55
// tag 1: scores 0.2 0.1 0.9 0.1 0.1 0.7, truth only row 2 (1 positive, below minPositives=3)
// global grid [0.3, 0.65, 0.85], weighted F0.5 over both tags (weights 3 and 1):
//   t=0.3:  tag0 tp3 fp3 -> 3.75/6.75 = 0.556; tag1 tp1 fp1 -> 1.25/2.25 = 0.556; weighted 0.556
//   t=0.65: tag0 tp2 fp1 fn1 -> 0.667;         tag1 tp1 fp1 -> 0.556;            weighted 0.639
//   t=0.85: tag0 tp1 fn2 -> 0.714;             tag1 tp1 -> 1;                    weighted 0.786 (best)
const col0 = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
const col1 = [0.2, 0.1, 0.9, 0.1, 0.1, 0.7];
const scores: ScoreMatrix = {
  data: new Float32Array(col0.flatMap((v, i) => [v, col1[i]])),
  rows: 6,
  cols: 2,
};
const truth = labelMatrix([[0], [0], [1], [0], [], []], 2);

Deno.test("bestTagThreshold() cuts halfway below the score that maximises F-beta", () => {
  const t0 = [1, 1, 0, 1, 0, 0];
  const f05 = bestTagThreshold(col0, t0, { beta: 0.5 });
  close(f05.threshold, 0.75);
  close(f05.f, 2.5 / 2.75);
  const f1 = bestTagThreshold(col0, t0, { beta: 1 });
  close(f1.threshold, 0.55);
  close(f1.f, 6 / 7);
});

Deno.test("bestTagThreshold() keeps tied scores on the same side of the cut", () => {
  // rows tied at 0.5: one positive, one negative; cutting between them is impossible
  const best = bestTagThreshold([0.5, 0.5, 0.2], [1, 0, 0], { beta: 1 });
  close(best.threshold, 0.35);
  close(best.f, 2 / 3);
});

Deno.test("bestTagThreshold() returns NaN when no cut has a true positive", () => {
  assert.ok(Number.isNaN(bestTagThreshold([0.3, 0.2], [0, 0]).threshold));
});

Deno.test("tuneThresholds() tunes frequent tags alone and gives rare tags the global threshold", () => {
  const t = tuneThresholds(scores, truth, { minPositives: 3, globalGrid: [0.3, 0.65, 0.85] });
  close(t.global, 0.85);
  close(t.perTag[0], 0.75);
  close(t.perTag[1], 0.85);
  assert.deepEqual(t.source, ["tag", "global"]);
  assert.deepEqual(t.positives, [3, 1]);
});

Deno.test("tuneThresholds() falls back to the global threshold for every tag below minPositives", () => {
  const t = tuneThresholds(scores, truth, { minPositives: 4, globalGrid: [0.3, 0.65, 0.85] });
  assert.deepEqual(t.source, ["global", "global"]);
  assert.deepEqual(t.perTag, [0.85, 0.85]);
});

Deno.test("applyThresholds() predicts a tag when its score reaches the threshold", () => {
  const p = applyThresholds(scores, [0.7, 0.9]);
  assert.deepEqual(Array.from(p.data), [1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => applyThresholds(scores, [0.5]), /got "1" thresholds for 2 tags/);
});
