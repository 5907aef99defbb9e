import assert from "node:assert/strict";
import {
  labelMatrix,
  macroFBeta,
  microFBeta,
  multiLabelReport,
  perTagFBeta,
  perTagScores,
  weightedFBeta,
} from "./f_beta.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

// Case 1: 4 rows, 3 tags.
//        truth     predicted
// row0   1 0 0     1 0 0
// row1   1 1 0     0 1 0
// row2   0 1 0     1 1 0
// row3   1 0 0     1 0 0
// tag0: tp=2 (rows 0,3) fp=1 (row 2) fn=1 (row 1) -> P=R=F=2/3, support 3
// tag1: tp=2 fp=0 fn=0 -> F=1, support 2
// tag2: no support, never predicted -> F=0 (zero_division=0), weight 0
const t1 = labelMatrix([[0], [0, 1], [1], [0]], 3);
const p1 = labelMatrix([[0], [1], [0, 1], [0]], 3);

// Case 2: 6 rows, 4 tags, precision and recall far apart so beta matters.
// tag A (0): true rows 0-3, predicted row 0          -> tp=1 fp=0 fn=3: P=1, R=1/4
//   F1 = 2/(2+3) = 0.4;  F0.5 = 1.25/(1.25 + 0.25*3) = 0.625
// tag B (1): true row 4, predicted rows 0,1,2,4      -> tp=1 fp=3 fn=0: P=1/4, R=1
//   F1 = 2/(2+3) = 0.4;  F0.5 = 1.25/(1.25 + 3) = 5/17
// tag C (2): true rows 4,5, never predicted          -> tp=0 fn=2: P=0 (0/0), R=0, F=0, support 2
// tag D (3): never true, predicted row 5             -> tp=0 fp=1: F=0, support 0 (no weight)
// weighted F0.5 = (4*0.625 + 1*5/17 + 2*0) / 7 = 95/238;  weighted F1 = (4*0.4 + 0.4) / 7 = 2/7
// macro F0.5 = (5/8 + 5/17) / 4 = (85 + 40)/136 / 4 = 125/544;  macro F1 = 0.8 / 4 = 0.2
// micro: tp=2 fp=4 fn=5 -> F1 = 4/(4+5+4) = 4/13;  F0.5 = 2.5/(2.5 + 1.25 + 4) = 10/31
const t2 = labelMatrix([[0], [0], [0], [0], [1, 2], [2]], 4);
const p2 = labelMatrix([[0, 1], [1], [1], [], [1], [3]], 4);

Deno.test("weightedFBeta() weights each tag by its support", () => {
  close(weightedFBeta(t1, p1), (3 * (2 / 3) + 2 * 1) / 5);
  close(weightedFBeta(t2, p2, { beta: 0.5 }), 95 / 238);
  close(weightedFBeta(t2, p2, { beta: 1 }), 2 / 7);
});

Deno.test("beta 0.5 rewards precision and beta 1 treats precision and recall alike", () => {
  const f05 = perTagFBeta(t2, p2, { beta: 0.5 });
  const f1 = perTagFBeta(t2, p2);
  close(f05[0], 0.625);
  close(f05[1], 5 / 17);
  close(f1[0], 0.4);
  close(f1[1], 0.4);
});

Deno.test("macroFBeta() averages all tags, counting tags without support as 0", () => {
  close(macroFBeta(t1, p1), (2 / 3 + 1 + 0) / 3);
  close(macroFBeta(t2, p2, { beta: 0.5 }), 125 / 544);
  close(macroFBeta(t2, p2), 0.2);
});

Deno.test("microFBeta() pools the counts of all tags", () => {
  close(microFBeta(t1, p1), 0.8);
  close(microFBeta(t2, p2), 4 / 13);
  close(microFBeta(t2, p2, { beta: 0.5 }), 10 / 31);
});

Deno.test("perTagScores() gives 0 for 0/0 and reports support and predictions", () => {
  const s = perTagScores(t2, p2);
  assert.deepEqual(s.map((x) => x.support), [4, 1, 2, 0]);
  assert.deepEqual(s.map((x) => x.predicted), [1, 4, 0, 1]);
  close(s[0].precision, 1);
  close(s[0].recall, 0.25);
  close(s[1].precision, 0.25);
  close(s[1].recall, 1);
  // a tag never predicted: precision 0/0 -> 0
  assert.equal(s[2].precision, 0);
  assert.equal(s[2].recall, 0);
  assert.equal(s[2].f1, 0);
  // a tag never true: recall 0/0 -> 0
  assert.equal(s[3].recall, 0);
  assert.equal(s[3].f05, 0);
});

Deno.test("weightedFBeta() is 0 when no tag has support", () => {
  const t = labelMatrix([[], []], 2);
  const p = labelMatrix([[0], [1]], 2);
  assert.equal(weightedFBeta(t, p), 0);
  assert.equal(macroFBeta(t, p), 0);
});

Deno.test("multiLabelReport() agrees with the single scores", () => {
  const r = multiLabelReport(t2, p2);
  close(r.weightedF05, weightedFBeta(t2, p2, { beta: 0.5 }));
  close(r.macroF1, macroFBeta(t2, p2));
  close(r.microF1, microFBeta(t2, p2));
  close(r.weightedF1, 2 / 7);
  close(r.microF05, 10 / 31);
});

Deno.test("scores reject matrices of different shapes", () => {
  assert.throws(() => weightedFBeta(t1, t2), RangeError);
  assert.throws(() => labelMatrix([[5]], 3), /tag index "5"/);
});
