import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend.ts";

Deno.test("selectBackend() returns the backend actually in use", async (t) => {
  await t.step("auto", async () => {
    const info = await selectBackend();
    assert.equal(info.name, tf.getBackend());
    assert.match(info.reason, /^auto: /);
  });
  await t.step("wasm reads its .wasm files from node_modules", async () => {
    const info = await selectBackend({ backend: "wasm" });
    assert.equal(tf.getBackend(), "wasm");
    assert.equal(typeof info.simd, "boolean");
    assert.ok(info.threads! >= 1);
  });
  await t.step("cpu", async () => {
    assert.equal((await selectBackend({ backend: "cpu" })).name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
  });
});

Deno.test("selectBackend() throws saying what to install when tfjs-node is not importable", async () => {
  const importable = await import("@tensorflow/tfjs-node" as string).then(() => true, () => false);
  if (importable) return; // the backend can start here: nothing to check
  const before = tf.getBackend();
  await assert.rejects(() => selectBackend({ backend: "tensorflow" }), /npm install @tensorflow\/tfjs-node/);
  assert.equal(tf.getBackend(), before, "no silent switch");
});

Deno.test("selectBackend() rejects an unknown backend name", async () => {
  await assert.rejects(() => selectBackend({ backend: "metal" as never }), /unknown backend "metal"/);
});
