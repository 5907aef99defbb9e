import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "./backend.ts";
import { fit } from "./fit.ts";
import { predict } from "./predict.ts";
import { loadFusionModel, saveFusionModel } from "./save_load.ts";
import { syntheticData } from "../../tests/support/synthetic_fusion.ts";

await selectBackend({ backend: "wasm" });

Deno.test("a loaded model predicts exactly what the saved one did and keeps its meta", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    for (const sparse of [false, true]) {
      await t.step(sparse ? "sparse text" : "dense text", async () => {
        const base = syntheticData(200, {
          sizes: { text: 6, image: 5, metadata: 3 },
          tagSources: ["text", "image"],
        });
        const data = sparse
          ? {
            ...base,
            text: undefined,
            textIds: Int32Array.from({ length: 200 * 4 }, (_, i) => (i * 7) % 30),
            textWeights: Float32Array.from({ length: 200 * 4 }, (_, i) => (i % 5) / 5),
          }
          : base;
        const config = {
          projectionSize: 8,
          hidden: [8],
          ...(sparse ? { sparseText: { buckets: 30, dim: 4, maxTokens: 4 } } : {}),
        };
        const { model } = await fit(data, { config, epochs: 2, seed: 3 });
        const folder = join(dir, sparse ? "sparse" : "dense");
        await saveFusionModel(model, folder, {
          tags: ["politics", "sport"],
          thresholds: [0.3, 0.6],
          encoders: { text: "onnx:e5-small@abc", image: "mobilenet-v3@def" },
          metadataTransform: { means: [1, 2, 3], log1p: ["likes"] },
        });
        const loaded = await loadFusionModel(folder);
        assert.deepEqual(await predict(loaded.model, data), await predict(model, data));
        assert.deepEqual(loaded.meta.tags, ["politics", "sport"]);
        assert.deepEqual(loaded.meta.thresholds, [0.3, 0.6]);
        assert.equal(loaded.meta.encoders.image, "mobilenet-v3@def");
        assert.deepEqual(loaded.meta.metadataTransform, { means: [1, 2, 3], log1p: ["likes"] });
        assert.deepEqual(loaded.model.config, model.config);
        assert.deepEqual(loaded.meta.inputSizes, model.config.inputSizes);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveFusionModel() rejects a tag list of the wrong length", async () => {
  const data = syntheticData(50, { sizes: { image: 4 }, tagSources: ["image", "image"] });
  const { model } = await fit(data, { config: { projectionSize: 4, hidden: [4] }, epochs: 1 });
  await assert.rejects(() => saveFusionModel(model, "/nonexistent/x", { tags: ["a"] }), /expected 2 tags/);
});

Deno.test("loadFusionModel() names the missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => loadFusionModel(dir), /Cannot load fusion model meta ".*model_meta.json"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
