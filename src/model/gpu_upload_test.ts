import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend.ts";
import { uploadFloat32 } from "./gpu_upload.ts";

// Any WebGPU adapter will do (CI has Mesa's software one through Chromium's dependencies).
const gpu = (navigator as { gpu?: GPU }).gpu;
const adapter = await gpu?.requestAdapter().catch(() => null);

Deno.test({
  name: "uploadFloat32() writes values, offsets included, into a webgpu tensor that reads back the same",
  ignore: !adapter,
  async fn() {
    const previous = tf.getBackend();
    await selectBackend({ backend: "webgpu" });
    try {
      const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 100);
      const whole = uploadFloat32(values, [10, 100]);
      assert.deepEqual(whole.shape, [10, 100]);
      assert.deepEqual(await whole.data(), values);
      const part = uploadFloat32(values.subarray(100, 300), [200]);
      assert.deepEqual(await part.data(), values.slice(100, 300));
      const sum = tf.sum(whole);
      assert.equal((await sum.data())[0], values.reduce((a, b) => a + b, 0));
      tf.dispose([whole, part, sum]);
    } finally {
      if (previous) await tf.setBackend(previous);
    }
  },
});
