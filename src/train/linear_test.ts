import assert from "node:assert/strict";
import { labelMatrix, multiLabelReport } from "./f_beta.ts";
import { applyThresholds } from "./thresholds.ts";
import { concatRows, denseRows, fitLinear, predictLinear, sparseRows } from "./linear.ts";

// 400 rows over 6 sparse features: tag 0 <=> feature 0 present, tag 1 <=> feature 3 present;
// features 1, 2, 4, 5 are noise.
function dataset() {
  let s = 3;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const vectors = [], tags: number[][] = [];
  for (let r = 0; r < 400; r++) {
    const idx = [0, 1, 2, 3, 4, 5].filter(() => rand() < 0.5);
    vectors.push({ indices: Int32Array.from(idx), values: new Float32Array(idx.length).fill(1) });
    tags.push([...(idx.includes(0) ? [0] : []), ...(idx.includes(3) ? [1] : [])]);
  }
  return { x: sparseRows(vectors, 6), y: labelMatrix(tags, 2) };
}

for (const optimizer of ["sgd", "adagrad"] as const) {
  Deno.test(`fitLinear() with ${optimizer} learns which feature marks which tag`, () => {
    const { x, y } = dataset();
    const probe = fitLinear(x, y, { optimizer, epochs: 10 });
    const w = (f: number, l: number) => probe.weights[f * 2 + l];
    assert.ok(w(0, 0) > 1 && w(3, 1) > 1);
    assert.ok(Math.abs(w(1, 0)) < w(0, 0) / 3 && Math.abs(w(0, 1)) < w(3, 1) / 3);
    const report = multiLabelReport(y, applyThresholds(predictLinear(probe, x), [0.5, 0.5]));
    assert.equal(report.microF1, 1);
  });
}

Deno.test("fitLinear() is deterministic for a seed", () => {
  const { x, y } = dataset();
  assert.deepEqual(
    fitLinear(x, y, { epochs: 2 }).weights,
    fitLinear(x, y, { epochs: 2 }).weights,
  );
});

Deno.test("concatRows() offsets the indices of later blocks and scales them", () => {
  const dense = denseRows(new Float32Array([1, 2, 3, 4]), 2);
  const sparse = sparseRows([{ indices: Int32Array.of(5), values: Float32Array.of(9) }, {
    indices: new Int32Array(0),
    values: new Float32Array(0),
  }], 10);
  const both = concatRows([sparse, dense], [1, 0.5]);
  assert.equal(both.dim, 12);
  assert.deepEqual(Array.from(both.row(0).indices), [5, 10, 11]);
  assert.deepEqual(Array.from(both.row(0).values), [9, 0.5, 1]);
  assert.deepEqual(Array.from(both.row(1).indices), [10, 11]);
  assert.throws(() => concatRows([sparse, denseRows(new Float32Array(6), 2)]), /"3" rows/);
});

Deno.test("fitLinear() with dual reaches the regularized optimum (gradient ~ 0)", () => {
  const { x, y } = dataset();
  const l2 = 1e-2, n = x.rows, C = 1 / (l2 * n);
  const model = fitLinear(x, y, { optimizer: "dual", l2, epochs: 200 });
  // primal objective 0.5 |w|^2 + 0.5 b^2 + C sum log-loss (the bias is a feature of value 1)
  for (let l = 0; l < 2; l++) {
    const g = Array.from({ length: 6 }, (_, f) => model.weights[f * 2 + l]);
    let gb = model.bias[l];
    for (let r = 0; r < n; r++) {
      const { indices, values } = x.row(r);
      let z = model.bias[l];
      indices.forEach((f, k) => (z += model.weights[f * 2 + l] * values[k]));
      const d = C * (1 / (1 + Math.exp(-z)) - y.data[r * 2 + l]);
      indices.forEach((f, k) => (g[f] += d * values[k]));
      gb += d;
    }
    const worst = Math.max(...g.map(Math.abs), Math.abs(gb));
    assert.ok(worst < 0.05 * C, `tag ${l}: gradient ${worst}`);
  }
  const report = multiLabelReport(y, applyThresholds(predictLinear(model, x), [0.5, 0.5]));
  assert.equal(report.microF1, 1);
});
