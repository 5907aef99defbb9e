import assert from "node:assert/strict";
import { readFastTextModel } from "./fasttext_model.ts";

/** Writes a tiny dense supervised fastText model (format version 12) byte by byte. */
function tinyModel(
  options: { loss: 1 | 3; words: string[]; input: number[][]; output: number[][] },
): Uint8Array {
  const bytes: number[] = [];
  const buf = new ArrayBuffer(8);
  const view = new DataView(buf);
  const push = (n: number) => bytes.push(...new Uint8Array(buf, 0, n));
  const i32 = (v: number) => (view.setInt32(0, v, true), push(4));
  const i64 = (v: number) => (view.setBigInt64(0, BigInt(v), true), push(8));
  const f32 = (v: number) => (view.setFloat32(0, v, true), push(4));
  const f64 = (v: number) => (view.setFloat64(0, v, true), push(8));
  const dim = options.input[0].length;
  i32(793712314);
  i32(12);
  // dim ws epoch minCount neg wordNgrams loss model(sup) bucket minn maxn lrUpdateRate t
  for (const v of [dim, 5, 5, 1, 5, 1, options.loss, 3, 0, 0, 0, 100]) i32(v);
  f64(1e-4);
  const labels = [["__label__a", 10], ["__label__b", 5]] as const;
  i32(options.words.length + labels.length);
  i32(options.words.length);
  i32(labels.length);
  i64(100);
  i64(-1); // not pruned
  for (const w of options.words) (bytes.push(...new TextEncoder().encode(w), 0), i64(20), bytes.push(0));
  for (const [l, c] of labels) (bytes.push(...new TextEncoder().encode(l), 0), i64(c), bytes.push(1));
  for (const m of [options.input, options.output]) {
    bytes.push(0); // not quantized
    i64(m.length);
    i64(dim);
    for (const row of m) for (const v of row) f32(v);
  }
  return new Uint8Array(bytes);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("readFastTextModel() predicts with softmax as averaged word rows times the output rows", () => {
  // EOS row [0, 0], "hi" row [2, 0], "yo" row [0, 4]; hidden of "hi" = [1, 0], of "yo hi" = [2/3, 4/3].
  const m = readFastTextModel(tinyModel({
    loss: 3,
    words: ["</s>", "hi", "yo"],
    input: [[0, 0], [2, 0], [0, 4]],
    output: [[1, 0], [0, 1]],
  }));
  assert.deepEqual(m.labels, ["a", "b"]);
  const hi = m.predict("hi", 2);
  assert.deepEqual(hi.map((p) => p.label), ["a", "b"]);
  assert.ok(Math.abs(hi[0].p - (Math.E / (Math.E + 1) + 1e-5)) < 1e-6);
  const yoHi = m.predict("yo  hi\tmore words after a newline are ignored\nhi", 1);
  const za = Math.exp(2 / 3);
  const zb = Math.exp(4 / 3);
  assert.equal(yoHi.length, 1);
  assert.equal(yoHi[0].label, "b");
  // "more", "words" ... are out of vocabulary with no subwords (maxn 0): they add nothing.
  assert.ok(Math.abs(yoHi[0].p - (zb / (za + zb) + 1e-5)) < 1e-6);
  // Only EOS: hidden [0, 0], both labels 1/2.
  assert.ok(Math.abs(m.predict("unknown", 1)[0].p - (0.5 + 1e-5)) < 1e-6);
});

Deno.test("readFastTextModel() walks fastText's Huffman tree for hierarchical softmax", () => {
  // Two labels: the root (output row 0) has the rarer label b on the left, a on the right: p(a) = sigmoid(w.h).
  const m = readFastTextModel(tinyModel({
    loss: 1,
    words: ["</s>", "hi"],
    input: [[0, 0], [2, 0]],
    output: [[1.5, 0], [0, 0]],
  }));
  const [first, second] = m.predict("hi", 2);
  const f = sigmoid(1.5);
  assert.equal(first.label, "a");
  assert.ok(Math.abs(first.p - (f + 1e-5)) < 1e-6);
  assert.equal(second.label, "b");
  assert.ok(Math.abs(second.p - (1 - f + 1e-5)) < 1e-6);
  assert.equal(m.predict("hi", 1).length, 1);
});

Deno.test("readFastTextModel() refuses files that are not supervised fastText models", () => {
  assert.throws(() => readFastTextModel(new Uint8Array(16)), /bad magic number/);
  const good = tinyModel({ loss: 3, words: ["</s>"], input: [[0]], output: [[1], [0]] });
  assert.throws(() => readFastTextModel(good.slice(0, good.length - 3)), /unexpected end of file/);
});
