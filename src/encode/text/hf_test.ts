import assert from "node:assert/strict";
import { join } from "node:path";
import { createEncoder } from "../registry.ts";
import { createHfTextEncoder, meanPool } from "./hf.ts";
import {
  buildTinyTextModel,
  TINY_HIDDEN,
  TINY_VOCAB,
  tinyTextWeights,
} from "../../../tools/models/tiny_models.ts";

/** tanh((E[id] + T[0]) · W + b) for each token, mean over tokens, L2-normalized: computed by hand. */
function expected(tokens: string[]): Float32Array {
  const w = tinyTextWeights();
  const h = TINY_HIDDEN;
  const sum = new Float64Array(h);
  for (const tok of tokens) {
    const id = TINY_VOCAB.indexOf(tok as (typeof TINY_VOCAB)[number]);
    assert.ok(id >= 0, `token "${tok}" is in the vocabulary`);
    const e = Array.from({ length: h }, (_, j) => w.embeddings[id * h + j] + w.tokenTypes[j]);
    for (let j = 0; j < h; j++) {
      let z = w.bias[j];
      for (let i = 0; i < h; i++) z += e[i] * w.weight[i * h + j];
      sum[j] += Math.tanh(z);
    }
  }
  const mean = Array.from(sum, (s) => s / tokens.length);
  const norm = Math.hypot(...mean);
  return Float32Array.from(mean, (m) => m / norm);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

Deno.test("createHfTextEncoder() on a tiny BERT-like model in Hugging Face layout", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hf_text_test_" });
  const folder = await buildTinyTextModel(join(dir, "tiny-bert"));
  const enc = await createHfTextEncoder(folder, { batchSize: 8 });
  try {
    const texts = ["The cat sat", "Hello world, the dogs are playing!", "good news"];
    const out = await enc.encode(texts);

    await t.step("gives one L2-normalized vector of the hidden size per text", () => {
      assert.equal(enc.dim, TINY_HIDDEN);
      assert.equal(enc.modality, "text");
      assert.equal(out.length, texts.length);
      for (const v of out) {
        assert.equal(v.length, TINY_HIDDEN);
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
      }
    });

    await t.step("mean-pools token states over the attention mask, excluding padding", () => {
      // The two shorter texts are padded to the longest; the model gives padding positions real values.
      const tokens = [
        ["[CLS]", "the", "cat", "sat", "[SEP]"],
        ["[CLS]", "hello", "world", ",", "the", "dog", "##s", "[UNK]", "play", "##ing", "!", "[SEP]"],
        ["[CLS]", "good", "news", "[SEP]"],
      ];
      for (let i = 0; i < texts.length; i++) {
        assert.ok(maxAbsDiff(out[i], expected(tokens[i])) < 1e-5, `text ${i}`);
      }
      // Including the padding would change the first text's vector: the check above can fail.
      const padded = [...tokens[0], ...Array(7).fill("[PAD]")];
      assert.ok(maxAbsDiff(out[0], expected(padded)) > 1e-3);
    });

    await t.step("is deterministic, and a text alone equals the text in a padded batch", async () => {
      assert.deepEqual(await enc.encode(texts), out);
      const [alone] = await enc.encode([texts[0]]);
      assert.ok(maxAbsDiff(alone, out[0]) < 1e-6);
    });

    await t.step("splits large inputs into batches and keeps the order", async () => {
      const many = Array.from({ length: 19 }, (_, i) => texts[i % 3]);
      const got = await enc.encode(many);
      assert.equal(got.length, 19);
      for (let i = 0; i < 19; i++) assert.ok(maxAbsDiff(got[i], out[i % 3]) < 1e-6);
    });

    await t.step("is reachable through the registry as hf-text:<folder>", async () => {
      const viaName = await createEncoder("text", `hf-text:${folder}`, { normalize: false });
      try {
        assert.equal(viaName.id, "hf-text:tiny-bert");
        const [v] = await viaName.encode([texts[2]] as never);
        const n = Math.hypot(...v);
        assert.ok(Math.abs(n - 1) > 1e-3, "normalize: false leaves the norm");
        assert.ok(maxAbsDiff(v.map((x) => x / n), out[2]) < 1e-5);
      } finally {
        await viaName.close();
      }
    });
  } finally {
    await enc.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createHfTextEncoder() names the folder and the files to put there when they are missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_text_missing_" });
  try {
    await Deno.writeTextFile(join(dir, "config.json"), "{}");
    await assert.rejects(
      () => createHfTextEncoder(dir),
      (err: Error) => {
        assert.match(err.message, new RegExp(`Cannot load text model from folder "${dir}"`));
        assert.match(err.message, /missing "tokenizer.json", "tokenizer_config.json", "onnx\/model.onnx/);
        assert.doesNotMatch(err.message, /missing[^.]*"config.json"/);
        assert.match(err.message, /huggingface-cli download/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("meanPool() averages only the positions whose mask is set", () => {
  // batch 2, seq 3, hidden 2
  const states = new Float32Array([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10]);
  const mask = new BigInt64Array([1n, 1n, 0n, 1n, 1n, 1n]);
  const [a, b] = meanPool(states, mask, [2, 3, 2]);
  assert.deepEqual([...a], [2, 3]);
  assert.deepEqual([...b], [7, 8]);
});

Deno.test("createHfTextEncoder() changes its version when the folder's model changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_text_version_" });
  try {
    const folder = await buildTinyTextModel(join(dir, "m"));
    const a = await createHfTextEncoder(folder);
    await a.close();
    const config = JSON.parse(await Deno.readTextFile(join(folder, "config.json")));
    await Deno.writeTextFile(
      join(folder, "config.json"),
      JSON.stringify({ ...config, _comment: "retrained" }),
    );
    const b = await createHfTextEncoder(folder);
    await b.close();
    assert.equal(a.id, b.id);
    assert.notEqual(a.version, b.version);
    // The tiny model has 64 positions: texts are cut there, not at the old fixed 256.
    assert.match(a.version, /^bert-[0-9a-f]{12}\+fp32\+mean-l2\+max64$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
