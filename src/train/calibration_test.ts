import assert from "node:assert/strict";
import { labelMatrix } from "./f_beta.ts";
import { applyPlatt, brierPerTag, calibrate, fitCalibration, fitPlatt } from "./calibration.ts";

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
