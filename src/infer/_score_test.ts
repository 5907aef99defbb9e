import assert from "node:assert/strict";
import { buildFusionNetwork, predict, resolveFusionConfig, selectBackend } from "@/model/mod.ts";
import { createScorer } from "./_score.ts";

const rnd = (i: number) => ((Math.imul(i + 1, 2654435761) >>> 0) % 10_000) / 10_000;

/** Posts with every mix of modalities: some text-only, some with an image, a few with a video or no text. */
function world(n: number) {
  const k = 5, L = 16, img = 12, vid = 9, meta = 4;
  const config = resolveFusionConfig({
    seed: 3,
    numTags: k,
    projectionSize: 8,
    hidden: [16],
    metadataHidden: [4, 4],
    inputSizes: { image: img, video: vid, metadata: meta },
    sparseText: { buckets: 1000, dim: 6, maxTokens: L },
  });
  const textIds = new Int32Array(n * L), textWeights = new Float32Array(n * L);
  const image = new Float32Array(n * img), video = new Float32Array(n * vid);
  const mask = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const hasText = i % 7 !== 0, hasImage = i % 3 === 0 || !hasText, hasVideo = i % 5 === 0;
    mask.set([hasText ? 1 : 0, hasImage ? 1 : 0, hasVideo ? 1 : 0, 1], i * 4);
    if (hasText) {
      for (let j = 0; j < 1 + (i % L); j++) {
        textIds[i * L + j] = (i * 131 + j * 97) % 1000;
        textWeights[i * L + j] = j === 2 ? 0 : rnd(i * L + j) - 0.3; // a zero weight inside the bag too
      }
    }
    if (hasImage) { for (let d = 0; d < img; d++) image[i * img + d] = rnd(1e5 + i * img + d); }
    if (hasVideo) { for (let d = 0; d < vid; d++) video[i * vid + d] = rnd(2e5 + i * vid + d); }
  }
  const metadata = new Float32Array(n * meta).map((_, i) => rnd(3e5 + i) * 2 - 1);
  const data = { count: n, textIds, textWeights, image, video, metadata, mask };
  return { model: { network: buildFusionNetwork(config), config }, data };
}

Deno.test("createScorer() gives the probabilities predict() gives, in the posts' order", async (t) => {
  await selectBackend({ backend: "wasm" });
  const { model, data } = world(101);
  const expected = await predict(model, data);
  for (const batchSize of [7, 2048]) {
    await t.step(`in forward passes of ${batchSize} posts`, async () => {
      const got = await createScorer(model, { batchSize }).score(data);
      assert.equal(got.length, expected.length);
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - expected[i]) <= 1e-6, `value ${i}: ${got[i]} != ${expected[i]}`);
      }
    });
  }
  model.network.dispose();
});

Deno.test("createScorer() rejects a text id outside the hash buckets as predict() does", async () => {
  await selectBackend({ backend: "wasm" });
  const { model, data } = world(3);
  data.textIds[1] = 5000;
  await assert.rejects(() => createScorer(model).score(data), RangeError);
  model.network.dispose();
});
