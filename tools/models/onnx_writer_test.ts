import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { float, OnnxGraph } from "./onnx_writer.ts";

Deno.test("OnnxGraph writes a model that onnxruntime runs with the given weights", async () => {
  const g = new OnnxGraph("tiny");
  g.input("x", "float32", ["batch", 3]);
  g.initializer("w", [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
  g.initializer("lo", [], new Float32Array([0]));
  g.initializer("hi", [], new Float32Array([20]));
  const y = g.node("MatMul", ["x", "w"], [g.fresh("mm")]);
  g.node("Clip", [y, "lo", "hi"], ["y"]);
  g.output("y", "float32", ["batch", 2]);
  const session = await ort.InferenceSession.create(g.toBytes());
  try {
    const x = new ort.Tensor("float32", new Float32Array([1, 1, 1, -1, 0, 2]), [2, 3]);
    const out = await session.run({ x });
    // [1,1,1]·w = [9, 12]; [-1,0,2]·w = [9, 10]; Clip(0, 20) keeps both.
    assert.deepEqual([...(out.y.data as Float32Array)], [9, 12, 9, 10]);
    assert.deepEqual(out.y.dims, [2, 2]);
  } finally {
    await session.release();
  }
});

Deno.test("OnnxGraph writes int and float attributes (grouped Conv with pads)", async () => {
  const g = new OnnxGraph("dw");
  g.input("x", "float32", [1, 2, 2, 2]);
  // Depthwise 1x1 conv: channel 0 times 2, channel 1 times -1, bias 0.5 each, pad 1 on the right/bottom.
  g.initializer("w", [2, 1, 1, 1], new Float32Array([2, -1]));
  g.initializer("b", [2], new Float32Array([0.5, 0.5]));
  g.node("Conv", ["x", "w", "b"], ["c"], { group: 2, pads: [0, 0, 1, 1], kernel_shape: [1, 1] });
  g.node("LeakyRelu", ["c"], ["y"], { alpha: float(1) });
  g.output("y", "float32", [1, 2, 3, 3]);
  const session = await ort.InferenceSession.create(g.toBytes());
  try {
    const x = new ort.Tensor("float32", new Float32Array([1, 2, 3, 4, 1, 1, 1, 1]), [1, 2, 2, 2]);
    const out = (await session.run({ x })).y.data as Float32Array;
    assert.deepEqual([...out.slice(0, 9)], [2.5, 4.5, 0.5, 6.5, 8.5, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual([...out.slice(9)], [-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5, 0.5]);
  } finally {
    await session.release();
  }
});

Deno.test("OnnxGraph rejects data that does not fill the shape", () => {
  const g = new OnnxGraph("bad");
  assert.throws(
    () => g.initializer("w", [2, 2], new Float32Array(3)),
    /shape \[2,2\] holds 4 values but data has 3/,
  );
});
