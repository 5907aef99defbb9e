/**
 * The hf-text and hf-image encoders against PyTorch on real exports (tests/fixtures/hf/, built by
 * tools/models/hf_fixtures.py with transformers, sentence-transformers and torch.onnx on random weights):
 * the reference tokenizer's ids in 17 scripts, truncation at the model's maximum length, padding masks,
 * pooling and normalisation as the folder configures them, and embeddings within 1e-4.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEncoder, loadHfTokenizer, readHfTextRecipe } from "@/encode/mod.ts";

const ROOT = fileURLToPath(new URL("./fixtures/hf/", import.meta.url));
const ref = JSON.parse(await Deno.readTextFile(join(ROOT, "reference.json")));
const sentences: string[] = ref.sentences;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function l2(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

for (const name of ["bert-wordpiece", "xlmr-unigram"]) {
  const want = ref[name];
  const folder = join(ROOT, name);

  Deno.test(`hf-text ${name}: ids equal the reference tokenizer's in every script`, async () => {
    const scripts = JSON.parse(await Deno.readTextFile(join(ROOT, "sentences.json"))).sentences
      .map((s: { script: string }) => s.script);
    assert.ok(new Set(scripts).size >= 10);
    const tok = await loadHfTokenizer(folder);
    sentences.forEach((s, i) => {
      assert.deepEqual(tok.ids(s, 1e9), want.ids[i], `sentence ${i} (${scripts[i]})`);
    });
  });

  Deno.test(`hf-text ${name}: truncation keeps the closing special token, padding masks as the reference`, async () => {
    const recipe = await readHfTextRecipe(folder);
    assert.equal(recipe.maxLength, want.max_length);
    const tok = await loadHfTokenizer(folder);
    const long = sentences.findIndex((s) => s.length > 300);
    assert.ok(want.ids[long].length > want.max_length, "the long sentence is past the maximum length");
    assert.deepEqual(tok.ids(sentences[long], recipe.maxLength), want.ids_truncated[long]);
    const b = tok.batch(sentences, recipe.maxLength);
    const [n, seq] = b.dims;
    const rows = (a: BigInt64Array) =>
      Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * seq, (i + 1) * seq), Number));
    assert.deepEqual(rows(b.inputIds), want.batch_input_ids);
    assert.deepEqual(rows(b.attentionMask), want.batch_attention_mask);
    if (want.batch_token_type_ids) assert.deepEqual(rows(b.tokenTypeIds), want.batch_token_type_ids);
  });

  Deno.test(`hf-text ${name}: embeddings equal sentence-transformers' within 1e-4 (${want.pooling}${want.normalize ? ", normalized" : ""})`, async () => {
    const enc = await createEncoder("text", `hf-text:${folder}`, { batchSize: 8 });
    try {
      assert.match(
        enc.version,
        new RegExp(`\\+${want.pooling}${want.normalize ? "-l2" : ""}\\+max${want.max_length}$`),
      );
      assert.match(enc.runtime ?? "", /^onnxruntime-node cpu/);
      const got = await enc.encode(sentences);
      let worst = 0;
      got.forEach((v, i) => (worst = Math.max(worst, maxAbsDiff(v, want.embeddings[i]))));
      assert.ok(worst < 1e-4, `max |diff| ${worst}`);
      if (!want.normalize) {
        assert.ok(got.some((v) => Math.abs(Math.hypot(...v) - 1) > 1e-2), "not normalized");
      }
    } finally {
      await enc.close();
    }
  });
}

Deno.test("hf-text bert-wordpiece: pooling and normalisation overrides follow PyTorch's mean over the mask", async () => {
  const enc = await createEncoder("text", `hf-text:${join(ROOT, "bert-wordpiece")}`, {
    pooling: "mean",
    normalize: true,
  });
  try {
    const got = await enc.encode(sentences);
    const want: number[][] = ref["bert-wordpiece"].embeddings_mean;
    got.forEach((v, i) => assert.ok(maxAbsDiff(v, l2(want[i])) < 1e-4, `sentence ${i}`));
  } finally {
    await enc.close();
  }
});

Deno.test("hf-image clip-vision: image_embeds equal PyTorch's within 1e-4 where the processor need not resize", async () => {
  const want = ref["clip-vision"];
  const enc = await createEncoder("image", `hf-image:${join(ROOT, "clip-vision")}`, { normalize: false });
  try {
    const paths = want.images.map((n: string) => join(ROOT, "images", n));
    const got = await enc.encode(paths);
    want.images.forEach((n: string, i: number) => {
      const diff = maxAbsDiff(got[i], want.image_embeds[i]);
      if (want.exact_size.includes(n)) assert.ok(diff < 1e-4, `${n}: max |diff| ${diff}`);
      else {
        // Resized images: sharp's bicubic is not PIL's; the embedding stays close, not equal.
        const a = l2(Array.from(got[i]));
        const b = l2(want.image_embeds[i]);
        const cos = a.reduce((s, x, k) => s + x * b[k], 0);
        assert.ok(cos > 0.98, `${n}: cosine ${cos}`);
      }
    });
  } finally {
    await enc.close();
  }
});
