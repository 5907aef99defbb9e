import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend.ts";
import { resolveFusionConfig } from "./config.ts";
import type { FusionData } from "./data.ts";
import { buildFusionNetwork } from "./network.ts";
import { predict } from "./predict.ts";
import { syntheticData } from "../../tests/support/synthetic_fusion.ts";

await selectBackend({ backend: "wasm" });

const sizes = { text: 6, image: 5, video: 7, metadata: 3 };
const config = resolveFusionConfig({
  inputSizes: sizes,
  numTags: 4,
  projectionSize: 8,
  hidden: [12],
  metadataHidden: [6, 4],
  seed: 5,
});
const data = syntheticData(20, {
  sizes,
  tagSources: ["text", "image", "video", "metadata"],
  missingRate: 0.4,
});

Deno.test("buildFusionNetwork() gives N x K probabilities in (0, 1)", async () => {
  const model = { network: buildFusionNetwork(config), config };
  const probs = await predict(model, data, { batchSize: 7 });
  assert.equal(probs.length, 20 * 4);
  assert.ok(probs.every((p) => p > 0 && p < 1));
  assert.ok(new Set(probs).size > 10, "outputs differ between posts");
});

Deno.test("a modality whose mask bit is 0 contributes nothing, whatever its input data", async (t) => {
  const model = { network: buildFusionNetwork(config), config };
  for (const [j, m] of (["text", "image", "video", "metadata"] as const).entries()) {
    await t.step(m, async () => {
      const masked: FusionData = { ...data, mask: data.mask.map((v, i) => i % 4 === j ? 0 : v) };
      const changed: FusionData = { ...masked, [m]: data[m]!.map((v) => v * -3 + 1) };
      const a = await predict(model, masked);
      const b = await predict(model, changed);
      assert.deepEqual(a, b);
      // ...while with the bit set, the same change does change the output.
      const present: FusionData = { ...data, mask: data.mask.map((v, i) => i % 4 === j ? 1 : v) };
      const presentChanged: FusionData = { ...present, [m]: changed[m] };
      assert.notDeepEqual(await predict(model, present), await predict(model, presentChanged));
    });
  }
});

Deno.test("a model without a modality has no input for it and rejects data missing a needed array", async () => {
  const noVideo = resolveFusionConfig({ inputSizes: { ...sizes, video: 0 }, numTags: 2, projectionSize: 4 });
  const network = buildFusionNetwork(noVideo);
  assert.deepEqual(network.inputNames, ["text", "image", "metadata", "mask"]);
  const { text: _text, ...withoutText } = data;
  await assert.rejects(() => predict({ network, config: noVideo }, withoutText), /"text" is missing/);
});

Deno.test("the sparse text input sums TF-IDF-weighted embeddings and padding (weight 0) changes nothing", async () => {
  const sparse = resolveFusionConfig({
    inputSizes: { image: 5 },
    sparseText: { buckets: 50, dim: 4, maxTokens: 3 },
    numTags: 2,
    projectionSize: 4,
    hidden: [6],
  });
  const model = { network: buildFusionNetwork(sparse), config: sparse };
  const base: FusionData = {
    count: 2,
    textIds: Int32Array.from([1, 7, 0, 3, 0, 0]),
    textWeights: Float32Array.from([0.5, 0.2, 0, 1, 0, 0]),
    image: new Float32Array(10).fill(0.1),
    mask: Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0]),
  };
  const paddingChanged = { ...base, textIds: Int32Array.from([1, 7, 42, 3, 9, 11]) };
  const weightChanged = { ...base, textWeights: Float32Array.from([0.5, 0.9, 0, 1, 0, 0]) };
  const a = await predict(model, base);
  assert.deepEqual(a, await predict(model, paddingChanged));
  assert.notDeepEqual(a.slice(0, 2), (await predict(model, weightChanged)).slice(0, 2));
  assert.deepEqual(a.slice(2), (await predict(model, weightChanged)).slice(2));
  const outside = { ...base, textIds: Int32Array.from([1, 7, 0, 3, 50, 0]) };
  await assert.rejects(
    () => predict(model, outside),
    /text id "50" of post 1 is outside the 50 hash buckets/,
  );
});

Deno.test("resolveFusionConfig() rejects unknown keys and a model with no input", () => {
  assert.throws(
    () => resolveFusionConfig({ numTags: 2, inputSizes: { text: 3 }, hiden: [4] } as never),
    /"hiden"/,
  );
  assert.throws(() => resolveFusionConfig({ numTags: 2 }), /every modality has input size 0/);
});

Deno.test("predict() (bags summed on the host, image and video rows packed) matches the whole network", async () => {
  const wide = resolveFusionConfig({
    inputSizes: { image: 5, video: 7, metadata: 3 },
    sparseText: { buckets: 40, dim: 4, maxTokens: 3, wide: true },
    numTags: 3,
    projectionSize: 6,
    hidden: [8],
    seed: 2,
  });
  const network = buildFusionNetwork(wide);
  // a wide term starts at zero: give it weights so the test sees it
  const wideLayer = network.getLayer("text_wide");
  wideLayer.setWeights([tf.randomNormal([40, 3], 0, 1, "float32", 1)]);
  const n = 9;
  const d = syntheticData(n, { sizes: { image: 5, video: 7, metadata: 3 }, tagSources: ["image"], seed: 4 });
  const mask = Uint8Array.from({ length: n * 4 }, (_, i) => (i % 4 === 3 ? 1 : (i * 7) % 3 === 0 ? 1 : 0));
  const posts: FusionData = {
    ...d,
    mask,
    textIds: Int32Array.from({ length: n * 3 }, (_, i) => (i * 13) % 40),
    textWeights: Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 0 : 0.3 + (i % 5) / 10)),
  };
  const whole = network.predict([
    tf.tensor2d(posts.textIds!, [n, 3], "int32"),
    tf.tensor2d(posts.textWeights!, [n, 3]),
    tf.tensor2d(posts.image!, [n, 5]),
    tf.tensor2d(posts.video!, [n, 7]),
    tf.tensor2d(posts.metadata!, [n, 3]),
    tf.tensor2d(Float32Array.from(mask), [n, 4]),
  ]) as tf.Tensor;
  const expected = whole.dataSync();
  const got = await predict({ network, config: wide }, posts, { batchSize: 4 });
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `output ${i}: ${v} vs ${expected[i]}`));
});

Deno.test("a modality the model does not have counts as absent in the mask it sees", async () => {
  const noImage = resolveFusionConfig({
    inputSizes: { ...sizes, image: 0 },
    numTags: 4,
    projectionSize: 8,
    hidden: [12],
    seed: 5,
  });
  const model = { network: buildFusionNetwork(noImage), config: noImage };
  const withImageBit = { ...data, mask: data.mask.map((v, i) => (i % 4 === 1 ? 1 : v)) };
  const withoutImageBit = { ...data, mask: data.mask.map((v, i) => (i % 4 === 1 ? 0 : v)) };
  assert.deepEqual(await predict(model, withImageBit), await predict(model, withoutImageBit));
});

Deno.test("a dense text embedding beside the bag has its own projection, gated by the text bit; without one the network is as before", async () => {
  const base = {
    sparseText: { buckets: 30, dim: 4, maxTokens: 3 },
    numTags: 2,
    projectionSize: 4,
    hidden: [6],
  };
  const plain = resolveFusionConfig({ ...base, inputSizes: { image: 5 } });
  const dense = resolveFusionConfig({ ...base, inputSizes: { text: 3, image: 5 } });
  const plainNet = buildFusionNetwork(plain);
  assert.deepEqual(plainNet.inputNames, ["text_ids", "text_weights", "image", "mask"]);
  assert.ok(!plainNet.layers.some((l) => l.name.startsWith("text_embed")));
  const network = buildFusionNetwork(dense);
  assert.deepEqual(network.inputNames, ["text_ids", "text_weights", "text", "image", "mask"]);
  // the bag's projection, built before the new branch, starts from the same seeded weights
  assert.deepEqual(
    network.getLayer("text_proj").getWeights()[0].dataSync(),
    plainNet.getLayer("text_proj").getWeights()[0].dataSync(),
  );
  const model = { network, config: dense };
  const posts: FusionData = {
    count: 2,
    textIds: Int32Array.from([1, 2, 0, 3, 0, 0]),
    textWeights: Float32Array.from([0.5, 0.2, 0, 1, 0, 0]),
    text: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    image: new Float32Array(10).fill(0.1),
    mask: Uint8Array.from([1, 1, 0, 0, 0, 1, 0, 0]), // post 1 has no text
  };
  const changed = { ...posts, text: posts.text!.map((v) => v * -3) };
  const a = await predict(model, posts), b = await predict(model, changed);
  assert.notDeepEqual(a.slice(0, 2), b.slice(0, 2), "the embedding reaches the output");
  assert.deepEqual(a.slice(2), b.slice(2), "an absent text's embedding changes nothing");
  const { text: _, ...withoutEmbedding } = posts;
  await assert.rejects(() => predict(model, withoutEmbedding), /"text" is missing/);
});
