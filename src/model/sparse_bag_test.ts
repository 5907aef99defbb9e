import assert from "node:assert/strict";
import { bagForward, SparseBagTrainer } from "./sparse_bag.ts";

// 4 rows x 2 dims; two posts of 3 slots, the last slot of post 0 is padding (weight 0).
const table = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const rows = {
  ids: Int32Array.from([0, 2, 3, 1, 1, 0]),
  weights: Float32Array.from([1, 0.5, 0, 2, -1, 0]),
  width: 3,
};

Deno.test("bagForward() sums the weighted rows of each post, skipping padding, for the rows asked", () => {
  // post 0: 1*[1,2] + 0.5*[5,6] = [3.5, 5]; post 1: 2*[3,4] - [3,4] + 0*[1,2] = [3, 4]
  assert.deepEqual(bagForward(table, 2, rows, Int32Array.of(1, 0)), Float32Array.from([3, 4, 3.5, 5]));
});

Deno.test("SparseBagTrainer.step() moves only the rows the batch uses, each weight by the step size at first", async (t) => {
  for (const kind of ["adam", "adagrad"] as const) {
    await t.step(kind, () => {
      const trainer = new SparseBagTrainer(table, 4, { kind, learningRate: 0.1, epsilon: 1e-12 });
      // gradient of post 0's output: d row0 = 1*[1,-1], d row2 = 0.5*[1,-1]; row 3 is padding, row 1 unused
      trainer.step(rows, Int32Array.of(0), Float32Array.from([1, -1]));
      const expected = Float32Array.from([0.9, 2.1, 3, 4, 4.9, 6.1, 7, 8]);
      trainer.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `weight ${i}: ${v}`));
      assert.deepEqual(table, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), "the given table is copied");
    });
  }
});

Deno.test("SparseBagTrainer.step() adds up the gradient of a row used by several posts", () => {
  const plain = new SparseBagTrainer(table, 4, { kind: "adagrad", learningRate: 1, epsilon: 0 });
  // post 1 uses row 1 twice (weights 2 and -1): gradient 1*[1, 1]; AdaGrad's first step is -lr * sign
  plain.step(rows, Int32Array.of(1), Float32Array.from([1, 1]));
  assert.deepEqual(plain.values, Float32Array.from([1, 2, 2, 3, 5, 6, 7, 8]));
  // ...and opposite contributions that cancel leave the row where it was
  const cancel = new SparseBagTrainer(table, 4, { kind: "adam", learningRate: 1 });
  cancel.step(
    { ids: Int32Array.of(2, 2), weights: Float32Array.of(1, -1), width: 2 },
    Int32Array.of(0),
    Float32Array.from([1, 1]),
  );
  assert.deepEqual(cancel.values, table);
});

Deno.test("SparseBagTrainer rejects a table that does not fill its rows and an unknown optimizer", () => {
  assert.throws(() => new SparseBagTrainer(new Float32Array(7), 4), /"7" values do not fill 4 rows/);
  assert.throws(() => new SparseBagTrainer(table, 4, { kind: "sgd" as never }), /unknown optimizer "sgd"/);
});
