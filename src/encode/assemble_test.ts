import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { type DatasetMedia, type DatasetPost, FileBlobStore } from "@/store/mod.ts";
import {
  assembleFeatures,
  DEFAULT_FEATURE_CONFIG,
  extrasOf,
  fitFeatures,
  packBag,
  precomputeFeatures,
  prepareTexts,
  withExtras,
} from "./mod.ts";
import type { ImageEmbedder } from "./media_features.ts";
import { IMAGE_TEXT_MARKER } from "./extras/ocr.ts";

async function png(text: string): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="520" height="150">` +
    `<rect width="100%" height="100%" fill="#f3eedc"/>` +
    `<text x="24" y="95" font-family="DejaVu Sans, sans-serif" font-size="54" fill="#1e1e1e">${text}</text></svg>`;
  return new Uint8Array(await sharp(new TextEncoder().encode(svg)).png().toBuffer());
}

function post(id: string, text: string | undefined, media: DatasetMedia[]): DatasetPost {
  return {
    id,
    platform: "mastodon",
    source: "test",
    created_at: new Date("2026-10-01T10:00:00Z"),
    split: null,
    doc: text === undefined ? {} : { text, lang: "en" },
    user_followers: 10,
    user_following: 5,
    user_posts: 100,
    user_verified: false,
    user_created_at: null,
    device: null,
    content_hash: id,
    media,
    tags: [],
  };
}

const image = (sha: string, position = 0): DatasetMedia => ({
  position,
  kind: "image",
  blob_sha256: sha,
  mime: "image/png",
  error: null,
});

/** A tiny deterministic image embedder: the mean of each colour channel. */
const meanRgb: ImageEmbedder = {
  id: "mean-rgb",
  version: "1",
  dim: 3,
  encode: (batch) =>
    Promise.resolve(batch.map(({ data }) => {
      const v = new Float32Array(3);
      for (let i = 0; i < data.length; i++) v[i % 3] += data[i] / (data.length / 3) / 255;
      return v;
    })),
};

async function world() {
  const root = await Deno.makeTempDir({ prefix: "feature_set_test_" });
  const blobs = new FileBlobStore(join(root, "blobs"));
  const sign = (await blobs.put(await png("Lighthouse"))).sha256;
  const ticket = (await blobs.put(await png("TICKETS"))).sha256;
  const broken =
    (await blobs.put(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).sha256;
  const posts = [
    post("p1", "A windy day at the harbour", [image(sign)]),
    post("p2", undefined, [image(ticket)]),
    post("p3", "Nothing to read here", [image(broken)]),
    post("p4", "Just words, no pictures", []),
  ];
  return { root, blobs, posts, cacheRoot: join(root, "features") };
}

Deno.test("withExtras() turns on exactly the named extras, and they survive the trip through JSON", () => {
  assert.deepEqual(extrasOf(DEFAULT_FEATURE_CONFIG), []);
  const both = withExtras(DEFAULT_FEATURE_CONFIG, ["objects", "ocr"], { ocrLangs: ["eng", "deu"] });
  assert.deepEqual(extrasOf(both), ["ocr", "objects"]);
  assert.deepEqual(both.extras?.ocr?.langs, ["eng", "deu"]);
  assert.deepEqual(extrasOf(JSON.parse(JSON.stringify(both))), ["ocr", "objects"]);
  const none = withExtras(both, []);
  assert.equal("extras" in none, false);
  assert.deepEqual(extrasOf(withExtras(both, ["objects"])), ["objects"]);
  assert.equal(DEFAULT_FEATURE_CONFIG.extras, undefined);
});

Deno.test("prepareTexts() with the ocr extra appends each post's image text, marked, and keeps the rest", async () => {
  const w = await world();
  try {
    const config = withExtras(DEFAULT_FEATURE_CONFIG, ["ocr"]);
    await assert.rejects(() => prepareTexts(w.posts, config), /the "ocr" extra is on but no blob store/);
    const plain = await prepareTexts(w.posts);
    const withText = await prepareTexts(w.posts, config, { blobs: w.blobs, cacheRoot: w.cacheRoot });

    const p1 = withText.get("p1")!;
    assert.match(p1.text, new RegExp(`^A windy day at the harbour\\n\\${IMAGE_TEXT_MARKER} Lighthouse$`));
    assert.equal(p1.lang, plain.get("p1")!.lang);
    assert.equal(p1.imageText, "Lighthouse");
    assert.equal(plain.get("p1")!.text, "A windy day at the harbour");
    // A post with only an image now has text to encode.
    assert.equal(plain.get("p2")!.text, "");
    assert.match(withText.get("p2")!.text, /TICKETS/);
    // An unreadable image is counted against the post, which keeps its own text.
    const p3 = withText.get("p3")!;
    assert.equal(p3.text, "Nothing to read here");
    assert.equal(p3.ocrErrors?.length, 1);
    assert.match(p3.ocrErrors![0], /^Cannot read text in image/);
    assert.deepEqual(withText.get("p4"), { ...plain.get("p4")!, imageText: "" });
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("precomputeFeatures() reads image text once and takes it from the cache on the next run", async () => {
  const w = await world();
  try {
    const config = withExtras(DEFAULT_FEATURE_CONFIG, ["ocr"]);
    const ctx = { blobs: w.blobs, cacheRoot: w.cacheRoot, imageEncoder: meanRgb, config };
    const first = await precomputeFeatures(w.posts, ctx);
    assert.deepEqual(first.image_text, { images: 3, cache_hits: 0, read: 2, with_text: 2, failed: 1 });
    assert.ok(
      first.problems.some((p) => p.postId === "p3" && p.modality === "image" && /read text/.test(p.reason)),
    );
    const again = await precomputeFeatures(w.posts, ctx);
    assert.deepEqual(again.image_text, { images: 3, cache_hits: 2, read: 0, with_text: 2, failed: 1 });
    assert.equal(again.texts.get("p1")!.text, first.texts.get("p1")!.text);
    const off = await precomputeFeatures(w.posts, { ...ctx, config: DEFAULT_FEATURE_CONFIG });
    assert.equal(off.image_text, undefined);
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("assembleFeatures() with the objects extra appends 80 scores to image rows, cached apart", async () => {
  const w = await world();
  try {
    const run = async (extras: ("objects" | "ocr")[]) => {
      const config = withExtras(DEFAULT_FEATURE_CONFIG, extras);
      const media = { blobs: w.blobs, cacheRoot: w.cacheRoot };
      const texts = await prepareTexts(w.posts, config, media);
      const fitted = fitFeatures(w.posts, texts, config);
      return await assembleFeatures(w.posts, texts, fitted, { ...media, imageEncoder: meanRgb });
    };
    const plain = await run([]);
    const objects = await run(["objects", "ocr"]);
    assert.equal(plain.sizes.image, 3);
    assert.equal(objects.sizes.image, 3 + 80);
    assert.deepEqual(objects.ids, plain.ids);
    const row = objects.ids.indexOf("p1");
    assert.deepEqual(
      objects.image.subarray(row * 83, row * 83 + 3),
      plain.image.subarray(row * 3, row * 3 + 3),
    );
    const scores = objects.image.subarray(row * 83 + 3, row * 83 + 83);
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
    // Separate cache folders, so turning the extra on or off never mixes rows.
    const folders = [...Deno.readDirSync(join(w.cacheRoot, "image"))].map((e) => e.name).sort();
    assert.deepEqual(folders, ["mean-rgb", "mean-rgb+coco-centernet"]);
    // The text rows differ where OCR found text, and the OCR failure is reported for quarantine.
    const ocrFailed = (p: { postId: string; reason: string }) =>
      p.postId === "p3" && /read text/.test(p.reason);
    assert.ok(objects.problems.some(ocrFailed));
    assert.ok(!plain.problems.some(ocrFailed));
    const p2 = objects.ids.indexOf("p2");
    assert.equal(objects.mask[p2 * 4], 1);
    assert.equal(plain.mask[plain.ids.indexOf("p2") * 4], 0);
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("precomputeFeatures() does not encode a blob whose bytes changed on disk, and says which post", async () => {
  const w = await world();
  try {
    const sign = w.posts[0].media[0].blob_sha256!;
    await Deno.chmod(w.blobs.pathOf(sign), 0o644);
    await Deno.writeFile(w.blobs.pathOf(sign), await png("Tampered")); // a real image, the wrong one
    const ctx = {
      blobs: w.blobs,
      cacheRoot: w.cacheRoot,
      imageEncoder: meanRgb,
      config: DEFAULT_FEATURE_CONFIG,
    };
    const out = await precomputeFeatures(w.posts, ctx);
    const problem = out.problems.find((p) => p.postId === "p1" && p.modality === "image");
    assert.ok(problem, JSON.stringify(out.problems));
    assert.match(problem.reason, /changed on disk/);
    // The other image is encoded as usual.
    assert.ok(!out.problems.some((p) => p.postId === "p2"));
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("packBag() folds ids into the network's space, summing the weights of ids that meet, then keeps the heaviest", () => {
  const ids = Int32Array.from([3, 10, 17, 260]), weights = Float32Array.from([0.5, 0.25, 0.25, 0.375]);
  // Unfolded: the 2 heaviest, in weight order.
  assert.deepEqual([...packBag(ids, weights, 2)], [3, 260, 0.5, 0.375]);
  // Folded into 8: 3 -> 3, 10 -> 2, 17 -> 1, 260 -> 4. Into 7: 3, 10 and 17 land on 3, 260
  // on 1; both fit, so they stay in id order.
  assert.deepEqual([...packBag(ids, weights, 2, 8)], [3, 4, 0.5, 0.375]);
  assert.deepEqual([...packBag(ids, weights, 2, 7)], [1, 3, 0.375, 1]);
  // Room to spare: every id, in id order, and padding stays 0.
  assert.deepEqual([...packBag(ids, weights, 3, 7)], [1, 3, 0, 0.375, 1, 0]);
});

Deno.test("assembleFeatures(): the network's bag of the wide default space folds to the 2^18 ids an old model reads", async () => {
  const w = await world();
  try {
    const run = async (text: typeof DEFAULT_FEATURE_CONFIG.text) => {
      const config = { ...DEFAULT_FEATURE_CONFIG, text };
      const media = { blobs: w.blobs, cacheRoot: w.cacheRoot };
      const texts = await prepareTexts(w.posts, config, media);
      const fitted = fitFeatures(w.posts, texts, config);
      return await assembleFeatures(w.posts, texts, fitted, { ...media, imageEncoder: meanRgb });
    };
    const wide = await run(DEFAULT_FEATURE_CONFIG.text);
    // A model saved before networkBuckets: one 2^18 space for both parts, no fold.
    const { networkBuckets: _, ...old } = DEFAULT_FEATURE_CONFIG.text;
    const narrow = await run({ ...old, ngrams: { buckets: 1 << 18 } });
    assert.equal(DEFAULT_FEATURE_CONFIG.text.ngrams.buckets, 1 << 20);
    const idsOf = (f: typeof wide, row: number) =>
      new Set(
        [...f.textIds.subarray(row * 256, (row + 1) * 256)].filter((_, j) =>
          f.textWeights[row * 256 + j] !== 0
        ),
      );
    const row = wide.ids.indexOf("p1");
    assert.ok(idsOf(wide, row).size > 20);
    assert.deepEqual(idsOf(wide, row), idsOf(narrow, narrow.ids.indexOf("p1")));
    assert.ok([...wide.textIds].every((id) => id < 1 << 18));
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});

Deno.test("fitFeatures() refuses a network hash space wider than the n-gram space, and says the bound", async () => {
  const w = await world();
  try {
    const config = {
      ...DEFAULT_FEATURE_CONFIG,
      text: { ...DEFAULT_FEATURE_CONFIG.text, networkBuckets: 1 << 21 },
    };
    const texts = await prepareTexts(w.posts, config, { blobs: w.blobs, cacheRoot: w.cacheRoot });
    assert.throws(
      () => fitFeatures(w.posts, texts, config),
      /text\.networkBuckets "2097152".*\[2, 1048576\]/,
    );
  } finally {
    await Deno.remove(w.root, { recursive: true });
  }
});
