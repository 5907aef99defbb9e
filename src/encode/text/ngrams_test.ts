import assert from "node:assert/strict";
import { denseProjection, hashGram, type SparseVector, TextNgramsEncoder, tokenize } from "./ngrams.ts";

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

/** Reference FNV-1a over UTF-16 code units, written independently of the module. */
function fnv1a(s: string): number {
  let h = 2166136261;
  for (const ch of s) {
    h = (h ^ ch.charCodeAt(0)) >>> 0;
    h = Number((BigInt(h) * 16777619n) % 4294967296n);
  }
  return h;
}

const sparseDot = (a: SparseVector, b: SparseVector) => {
  let s = 0;
  for (let i = 0, j = 0; i < a.indices.length && j < b.indices.length;) {
    if (a.indices[i] === b.indices[j]) s += a.values[i++] * b.values[j++];
    else if (a.indices[i] < b.indices[j]) i++;
    else j++;
  }
  return s;
};

const corpus = [
  "I love this song so much!",
  "I love this movie, it is great",
  "This is terrible, I hate it",
  "What a terrible day. I hate Mondays",
  "The weather is nice today",
  "Thank you so much for the help!",
];

Deno.test("tokenize() lowercases and keeps punctuation and emoji as their own tokens", () => {
  assert.deepEqual(tokenize("I LOVE it!! 😀 don't"), ["i", "love", "it", "!", "!", "😀", "don't"]);
});

Deno.test("hashGram() is FNV-1a of the kind prefix and the gram", () => {
  assert.equal(fnv1a("a"), 0xe40c292c); // the published FNV-1a test vector
  assert.equal(hashGram("w", "love"), fnv1a("wlove"));
  assert.equal(hashGram("c", "<lo"), fnv1a("c<lo"));
});

Deno.test("fit() computes smooth IDF on a hand-computed mini corpus", () => {
  // words only, raw counts: n = 3 texts; df(a) = 3, df(b) = 2, df(c) = 1
  // idf = ln((1 + n) / (1 + df)) + 1: a -> 1, b -> 1 + ln(4/3), c -> 1 + ln 2
  const enc = TextNgramsEncoder.fit(["a b", "a c", "a a b"], {
    charMax: 0,
    wordMax: 1,
    sublinearTf: false,
    buckets: 1 << 20,
  });
  const ia = hashGram("w", "a") % (1 << 20), ib = hashGram("w", "b") % (1 << 20);
  const v = enc.encodeOne("a a b");
  // tf-idf: a = 2 * 1, b = 1 * (1 + ln 4/3), then L2-normalized
  const wa = 2, wb = 1 + Math.log(4 / 3), norm = Math.hypot(wa, wb);
  assert.deepEqual(Array.from(v.indices), [ia, ib].sort((x, y) => x - y));
  close(v.values[Array.from(v.indices).indexOf(ia)], wa / norm);
  close(v.values[Array.from(v.indices).indexOf(ib)], wb / norm);
  const c = enc.encodeOne("c");
  close(c.values[0], 1); // a single feature normalizes to 1 whatever its idf
  assert.equal(enc.state.docs, 3);
  assert.deepEqual([...enc.state.dfCount].sort(), [1, 2, 3]);
});

Deno.test("encode() gives unseen n-grams no weight", () => {
  const enc = TextNgramsEncoder.fit(["a b"], { charMax: 0, wordMax: 1 });
  assert.equal(enc.encodeOne("zzz").indices.length, 0);
  assert.equal(enc.encodeOne("zzz a").indices.length, 1);
});

Deno.test("encode() returns sorted sparse vectors of unit L2 norm", () => {
  const enc = TextNgramsEncoder.fit(corpus);
  for (const v of enc.encode(corpus.concat(["love it"]))) {
    assert.equal(v.indices.length, v.values.length);
    for (let i = 1; i < v.indices.length; i++) assert.ok(v.indices[i] > v.indices[i - 1]);
    assert.ok(v.indices.every((i) => i >= 0 && i < enc.dim));
    close(Math.hypot(...v.values), 1, 1e-5);
  }
});

Deno.test("character n-grams carry the word boundary markers", () => {
  const enc = TextNgramsEncoder.fit(["love"], { wordMax: 0, charMin: 2, charMax: 5, buckets: 1 << 24 });
  const b = (g: string) => hashGram("c", g) % (1 << 24);
  const idx = new Set(enc.encodeOne("love").indices);
  for (const g of ["<l", "lo", "ve>", "<lov", "<love", "love>"]) assert.ok(idx.has(b(g)), g);
  assert.ok(!idx.has(b("<love>"))); // 6 characters, longer than charMax
  // "<lo","lov","ove","ve>" ... 2-grams: 5, 3-grams: 4, 4-grams: 3, 5-grams: 2
  assert.equal(idx.size, 14);
});

Deno.test("fit() and encode() are deterministic and survive a save/load round trip", async () => {
  const a = TextNgramsEncoder.fit(corpus, { buckets: 4096 });
  const b = TextNgramsEncoder.fit(corpus, { buckets: 4096 });
  assert.deepEqual(a.toJSON(), b.toJSON());
  const dir = await Deno.makeTempDir();
  try {
    await a.save(`${dir}/ngrams.json`);
    const c = await TextNgramsEncoder.load(`${dir}/ngrams.json`);
    assert.deepEqual(c.encode(corpus), a.encode(corpus));
    assert.equal(c.id, "text-ngrams");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("similar texts are closer than unrelated ones, sparse and projected", () => {
  const enc = TextNgramsEncoder.fit(corpus);
  const [love1, love2, , hate2, weather] = enc.encode(corpus);
  assert.ok(sparseDot(love1, love2) > sparseDot(love1, weather));
  assert.ok(sparseDot(hate2, enc.encodeOne("I hate this terrible thing")) > sparseDot(hate2, love1));
  const dim = 512;
  const d = denseProjection(enc.encode(corpus), { dim });
  assert.equal(d.length, corpus.length * dim);
  const row = (i: number) => d.subarray(i * dim, (i + 1) * dim);
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
  close(Math.hypot(...row(0)), 1, 1e-5);
  assert.ok(dot(row(0), row(1)) > dot(row(0), row(4)));
  // the projection roughly keeps inner products
  close(dot(row(0), row(1)), sparseDot(love1, love2), 0.15);
});

Deno.test("fit() rejects unknown options and impossible n-gram ranges", () => {
  assert.throws(() => TextNgramsEncoder.fit(corpus, { bukets: 3 } as never), /unknown option "bukets"/);
  assert.throws(() => TextNgramsEncoder.fit(corpus, { charMin: 4, charMax: 3 }), /"4..3"/);
  assert.throws(() => TextNgramsEncoder.fit(corpus, { charMax: 0, wordMax: 0 }), /both/);
});
