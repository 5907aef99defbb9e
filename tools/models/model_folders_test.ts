import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { createEncoder, encoderModality } from "@/encode/mod.ts";
import { buildModelFolders } from "./model_folders.ts";

Deno.test("buildModelFolders() writes folders that load under the encoder names it reports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model_folders_test_" });
  try {
    const built = await buildModelFolders(dir, { only: ["tiny-text", "tiny-image"] });
    assert.deepEqual(built.map((b) => b.name), ["tiny-text", "tiny-image"]);
    for (const b of built) {
      assert.ok(b.bytes > 1000);
      const enc = await createEncoder(encoderModality(b.encoder), b.encoder);
      try {
        const input = b.name === "tiny-text" ? "hello world" : join(dir, "x.png");
        if (b.name === "tiny-image") {
          const sharp = (await import("sharp")).default;
          await sharp({ create: { width: 40, height: 30, channels: 3, background: "#80a0ff" } }).png().toFile(
            input,
          );
        }
        const [v] = await enc.encode([input] as never);
        assert.equal(v.length, 8);
      } finally {
        await enc.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildModelFolders() writes a standalone MobileNetV2 .onnx with its metadata", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model_folders_mb_" });
  try {
    const [b] = await buildModelFolders(dir, {
      only: ["mobilenet-v2"],
      mobilenetLayer: "block_10_project_BN",
    });
    const meta = JSON.parse(await Deno.readTextFile(join(b.path, "meta.json")));
    assert.equal(meta.dim, 96);
    assert.equal(meta.layer, "block_10_project_BN");
    const session = await ort.InferenceSession.create(join(b.path, "model.onnx"));
    try {
      const x = new ort.Tensor("float32", new Float32Array(2 * 3 * 224 * 224).fill(0.5), [2, 3, 224, 224]);
      const y = (await session.run({ input: x })).embedding;
      assert.deepEqual(y.dims, [2, 96]);
    } finally {
      await session.release();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
