import assert from "node:assert/strict";
import { labelMatrix } from "./f_beta.ts";
import { columnShares } from "./shares.ts";
import {
  applyPlatt,
  brierPerTag,
  calibrate,
  fitCalibration,
  fitPlatt,
  matchBaseRate,
} from "./calibration.ts";

Deno.test("fitPlatt() maps overconfident scores onto observed frequencies", () => {
  // scores of 0.9 are right half the time, scores of 0.1 a tenth of the time
  const scores: number[] = [], truth: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const high = i % 2 === 0;
    scores.push(high ? 0.9 : 0.1);
    truth.push(high ? (i % 4 === 0 ? 1 : 0) : (i % 20 === 1 ? 1 : 0));
  }
  const c = fitPlatt(scores, truth);
  assert.ok(Math.abs(applyPlatt(c, 0.9) - 0.5) < 0.01, String(applyPlatt(c, 0.9)));
  assert.ok(Math.abs(applyPlatt(c, 0.1) - 0.1) < 0.01, String(applyPlatt(c, 0.1)));
  // calibration lowers the Brier score of these scores
  const y = labelMatrix(truth.map((t) => (t ? [0] : [])), 1);
  const raw = { data: Float32Array.from(scores), rows: 1000, cols: 1 };
  const cal = calibrate(raw, fitCalibration(raw, y));
  assert.ok(brierPerTag(cal, y)[0] < brierPerTag(raw, y)[0]);
});

Deno.test("fitPlatt() keeps the base rate for scores that rank backwards", () => {
  const c = fitPlatt([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]);
  assert.equal(c.a, 0);
  assert.ok(Math.abs(applyPlatt(c, 0.3) - 0.5) < 1e-9);
});

Deno.test("matchBaseRate() moves the intercept so the mean probability is the rate, keeping the slope", () => {
  const scores = Array.from({ length: 200 }, (_, i) => (i + 0.5) / 200);
  const c = { a: 1.7, b: -0.4 };
  const m = matchBaseRate(c, scores, 0.1);
  assert.equal(m.a, c.a);
  assert.ok(m.b < c.b, "a lower rate lowers the intercept");
  const mean = scores.reduce((s, x) => s + applyPlatt(m, x), 0) / scores.length;
  assert.ok(Math.abs(mean - 0.1) < 1e-9, String(mean));
  // a tag the scores cannot rank gets the rate itself
  assert.ok(Math.abs(applyPlatt(matchBaseRate({ a: 0, b: 0 }, scores, 0.3), 0.9) - 0.3) < 1e-12);
  assert.throws(() => matchBaseRate(c, scores, 0), /base rate of "0".*strictly between 0 and 1/);
});

Deno.test("fitCalibration() with base rates matches each column's mean over the fitted scores", () => {
  // column 0: 30 of 100 positives in the scores' posts, but the labeled set's share is 0.2
  const n = 100, scores = new Float32Array(n * 2), truth: number[][] = [];
  for (let i = 0; i < n; i++) {
    scores[i * 2] = i < 30 ? 0.7 : 0.3;
    scores[i * 2 + 1] = 0.5;
    truth.push(i < 30 ? [0] : []);
  }
  const raw = { data: scores, rows: n, cols: 2 }, y = labelMatrix(truth, 2);
  const plain = columnShares(calibrate(raw, fitCalibration(raw, y)));
  assert.ok(Math.abs(plain[0] - 0.3) < 0.01, String(plain[0]));
  const matched = columnShares(calibrate(raw, fitCalibration(raw, y, [0.2, 0.05])));
  assert.ok(Math.abs(matched[0] - 0.2) < 1e-6, String(matched[0]));
  assert.ok(Math.abs(matched[1] - 0.05) < 1e-6, String(matched[1]));
});
