import assert from "node:assert/strict";
import { fastTextLine, nativeFastTextAvailable, TextFastTextEncoder } from "./text_fasttext.ts";

/** Two topics with their own vocabularies, sentences drawn by a seeded generator. */
function syntheticCorpus(n: number): string[] {
  const topics = [
    ["cat", "dog", "kitten", "puppy", "pet", "fur", "paws", "vet", "leash", "purr", "bark", "tail"],
    [
      "stock",
      "market",
      "price",
      "shares",
      "bank",
      "trade",
      "profit",
      "invest",
      "bond",
      "fund",
      "loss",
      "rate",
    ],
  ];
  const glue = ["the", "a", "and", "my", "is", "of", "with"];
  let s = 7;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const words = topics[i % 2];
    return Array.from({ length: 8 }, (_, k) => (k % 3 === 2 ? pick(glue) : pick(words))).join(" ");
  });
}

const corpus = syntheticCorpus(2000);
const small = { dim: 16, epoch: 10, minCount: 1, bucket: 20_000, thread: 1, seed: 1 };
const hasNative = await nativeFastTextAvailable();

const cosine = (v: Float32Array, dim: number, i: number, j: number) => {
  let dot = 0, a = 0, b = 0;
  for (let d = 0; d < dim; d++) {
    dot += v[i * dim + d] * v[j * dim + d];
    a += v[i * dim + d] ** 2;
    b += v[j * dim + d] ** 2;
  }
  return dot / Math.sqrt(a * b);
};

const probes = [
  "my dog and the kitten",
  "a puppy with fur and paws",
  "stock market shares",
  "profit of the bank fund",
  "the kittens purring", // unseen inflections: only subwords know them
];

Deno.test("fastTextLine() writes the n-gram tokens on one line", () => {
  assert.equal(fastTextLine("Hello,\nWORLD!"), "hello , world !");
});

Deno.test({
  name: "native fastText: similar texts are closer than unrelated ones, vectors have the right shape",
  ignore: !hasNative,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const enc = await TextFastTextEncoder.fit(corpus, { ...small, dir, backend: "native" });
      assert.equal(enc.state.backend, "native");
      assert.equal(enc.dim, 16);
      const v = await enc.encode(probes);
      assert.equal(v.length, probes.length * 16);
      for (let i = 0; i < probes.length; i++) {
        assert.ok(Math.abs(Math.hypot(...v.subarray(i * 16, (i + 1) * 16)) - 1) < 1e-5);
      }
      assert.ok(cosine(v, 16, 0, 1) > cosine(v, 16, 0, 2));
      assert.ok(cosine(v, 16, 2, 3) > cosine(v, 16, 2, 1));
      assert.ok(cosine(v, 16, 4, 0) > cosine(v, 16, 4, 3));
      // many texts at once: megabytes through the binary's pipes, one vector per text, in order
      const many = await enc.encode(corpus.concat(corpus, corpus, corpus));
      assert.equal(many.length, corpus.length * 4 * 16);
      assert.deepEqual(
        many.subarray(0, 16 * 10),
        many.subarray(16 * corpus.length, 16 * (corpus.length + 10)),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "native fastText: one thread and a seed give the same model twice, and load() restores it",
  ignore: !hasNative,
  async fn() {
    const [d1, d2] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
    try {
      const a = await TextFastTextEncoder.fit(corpus.slice(0, 500), { ...small, dir: d1 });
      const b = await TextFastTextEncoder.fit(corpus.slice(0, 500), { ...small, dir: d2 });
      assert.deepEqual(await a.encode(probes), await b.encode(probes));
      const c = await TextFastTextEncoder.load(d1);
      assert.deepEqual(c.state, a.state);
      assert.deepEqual(await c.encode(probes), await a.encode(probes));
    } finally {
      await Deno.remove(d1, { recursive: true });
      await Deno.remove(d2, { recursive: true });
    }
  },
});

Deno.test("wasm fastText trains a model, and both backends read it alike", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const enc = await TextFastTextEncoder.fit(corpus.slice(0, 600), {
      ...small,
      dim: 8,
      epoch: 5,
      bucket: 5_000,
      loss: "hs",
      dir,
      backend: "wasm",
    });
    assert.equal(enc.state.backend, "wasm");
    const v = await enc.encode(probes);
    assert.equal(v.length, probes.length * 8);
    assert.ok(v.every(Number.isFinite));
    assert.ok(cosine(v, 8, 0, 1) > cosine(v, 8, 0, 2));
    if (hasNative) {
      const native = await TextFastTextEncoder.load(dir, { backend: "native" });
      const w = await native.encode(probes);
      // the native binary prints 5 significant digits
      for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i] - w[i]) < 1e-3, `${v[i]} vs ${w[i]}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fit() rejects unknown options", async () => {
  await assert.rejects(() => TextFastTextEncoder.fit(corpus, { dims: 3 } as never), /unknown option "dims"/);
});
