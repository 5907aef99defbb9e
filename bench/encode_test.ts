import assert from "node:assert/strict";
import { TextNgramsEncoder } from "@/encode/mod.ts";
import { benchEncode, benchExtras, benchTextNgrams, syntheticImages } from "./encode.ts";

Deno.test("syntheticImages() gives the same distinct RGB frames on every call", () => {
  const [a, b] = [syntheticImages(3, 16), syntheticImages(3, 16)];
  assert.deepEqual(a, b);
  assert.equal(a[0].data.length, 16 * 16 * 3);
  assert.notDeepEqual(a[0].data, a[1].data);
});

Deno.test("benchEncode() reports a positive rate for each batch size and layout it tries", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "bench_encode_test_" });
  try {
    const out = await benchEncode({ images: 4, batchSizes: [1, 4], repeats: 1, cacheDir, skipTfjs: true });
    for (
      const key of [
        "mobilenet_onnx_nchw_b1_t2_img_s",
        "mobilenet_onnx_nchw_b4_t2_img_s",
        "mobilenet_onnx_nchw_b16_t2_spin_img_s",
        "mobilenet_onnx_nchw_b16_t1_img_s",
        "mobilenet_onnx_jpeg640_end_to_end_b16_img_s",
        "hf_tiny_text_b32_texts_s",
      ]
    ) {
      assert.ok(typeof out[key] === "number" && (out[key] as number) > 0, `${key} = ${out[key]}`);
    }
    assert.equal(out.mobilenet_tfjs_wasm_b8_img_s, undefined);
    assert.equal(
      out.mobilenet_onnx_best_img_s,
      Math.max(
        out.mobilenet_onnx_nchw_b1_t2_img_s as number,
        out.mobilenet_onnx_nchw_b4_t2_img_s as number,
        out.mobilenet_onnx_nchw_b16_t2_spin_img_s as number,
      ),
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("benchExtras() reports OCR and CenterNet rates and projects them onto the corpus", async () => {
  const out = await benchExtras({
    images: 2,
    repeats: 1,
    corpus: { images: 100, videos: 10 },
    videoFrames: 2,
  });
  for (const key of ["ocr_c2_img_s", "ocr_c1_img_s", "ocr_text_images_c2_img_s", "objects_img_s"]) {
    assert.ok(typeof out[key] === "number" && (out[key] as number) > 0, `${key} = ${out[key]}`);
  }
  // Added seconds = corpus items x seconds per item (within rounding).
  const near = (a: number, b: number) => Math.abs(a - b) <= 1 + 0.02 * b;
  assert.ok(near(out.ocr_sample_added_s as number, (100 * (out.ocr_ms_per_img as number)) / 1000));
  assert.ok(near(out.objects_sample_added_s as number, (120 * (out.objects_ms_per_img as number)) / 1000));
  assert.equal(out.sample_video_frames, 20);
});

Deno.test("benchTextNgrams() reports the texts and the mean number of nonzeros it encoded", () => {
  const figures = benchTextNgrams(CORPUS, { denseDim: 64 });
  const enc = TextNgramsEncoder.fit(CORPUS);
  const nnz = enc.encode(CORPUS).reduce((s, v) => s + v.indices.length, 0) / CORPUS.length;
  assert.equal(figures.texts, CORPUS.length);
  assert.equal(figures.meanNonzeros, nnz);
  assert.ok(Number(figures.dense64TextsPerSecond) > 0);
});

const CORPUS = ["I love this song so much!", "This is terrible, I hate it", "The weather is nice today"];
