/**
 * Encoder benchmarks: MobileNetV2 images/s on onnxruntime-node (batch sizes, input layouts, threads) and
 * on tfjs-wasm, plus the Hugging Face text code path (texts/s on a tiny generated model).
 * Returns figures; prints nothing. Images are synthetic 224x224 RGB frames already decoded, so the
 * figures measure the network (a separate figure includes JPEG decoding + resizing with sharp).
 * {@linkcode benchExtras} measures the optional extras (OCR, COCO object scores) on sample-corpus images.
 *
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";
import type { ImageInput, RawImage } from "@/core/mod.ts";
import {
  createEncoder,
  denseProjection,
  type Encoder,
  loadObjectScorer,
  ocrImages,
  TEXT_NGRAMS_ID,
  TEXT_NGRAMS_VERSION,
  TextNgramsEncoder,
  type TextNgramsOptions,
} from "@/encode/mod.ts";
import { decodeRgb } from "@/preprocess/mod.ts";
import { DEFAULT_GOEMOTIONS_DIR } from "@/ingest/mod.ts";
import { planSample, renderImage } from "../tools/sample/mod.ts";
import { encoderCacheDir, type Settings } from "@/config/mod.ts";
import { buildMobileNetOnnx, buildTinyTextModel } from "../tools/models/mod.ts";

/** Options of {@linkcode benchEncode}. */
export interface BenchEncodeOptions {
  /** Images per timed onnxruntime pass. @default 128 */
  images?: number;
  /** Images per timed tfjs-wasm pass (slow). @default 24 */
  tfjsImages?: number;
  /** Batch sizes tried on onnxruntime. @default [1, 8, 16, 32] */
  batchSizes?: number[];
  /** Timed repetitions; the best is reported. @default 3 */
  repeats?: number;
  /** Folder for converted .onnx files. @default "data/cache/encoders" */
  cacheDir?: string;
  /** Skip the tfjs-wasm figure (it takes ~10 s). @default false */
  skipTfjs?: boolean;
  /** Skip the Hugging Face tiny text model figure. @default false */
  skipHf?: boolean;
}

/** Deterministic synthetic RGB frames (smooth gradients plus noise). */
export function syntheticImages(n: number, size = 224): RawImage[] {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: n }, (_, k) => {
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 3;
        data[i] = (x + k * 37) & 255;
        data[i + 1] = (y * 2 + k * 11) & 255;
        data[i + 2] = Math.floor(rand() * 255);
      }
    }
    return { data, width: size, height: size, channels: 3 as const };
  });
}

async function rate<M extends "image" | "text">(
  encoder: Encoder<M>,
  inputs: (M extends "image" ? ImageInput : string)[],
  repeats: number,
): Promise<number> {
  await encoder.encode(inputs.slice(0, Math.min(inputs.length, 8)) as never); // warm-up
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await encoder.encode(inputs as never);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, inputs.length / s);
  }
  return Math.round(best * 10) / 10;
}

/** Runs the encoder benchmarks and returns `{ figure: value }` (rates in items per second). */
export async function benchEncode(
  options: BenchEncodeOptions = {},
): Promise<Record<string, number | string>> {
  const {
    images = 128,
    tfjsImages = 24,
    batchSizes = [1, 8, 16, 32],
    repeats = 3,
    cacheDir = encoderCacheDir("data"),
    skipTfjs = false,
    skipHf = false,
  } = options;
  for (const layout of ["nchw", "nhwc"] as const) await buildMobileNetOnnx(cacheDir, { layout });
  const frames = syntheticImages(images);
  const out: Record<string, number | string> = {
    images_per_pass: images,
    hardware_concurrency: navigator.hardwareConcurrency,
  };

  for (const layout of ["nchw", "nhwc"] as const) {
    for (const batchSize of batchSizes) {
      if (layout === "nhwc" && batchSize !== 16) continue;
      const enc = await createEncoder("image", "mobilenet-v2", { layout, batchSize, cacheDir, threads: 2 });
      try {
        out[`mobilenet_onnx_${layout}_b${batchSize}_t2_img_s`] = await rate(enc, frames, repeats);
      } finally {
        await enc.close();
      }
    }
  }
  {
    const enc = await createEncoder("image", "mobilenet-v2", {
      batchSize: 16,
      cacheDir,
      threads: 2,
      spinning: true,
    });
    try {
      out.mobilenet_onnx_nchw_b16_t2_spin_img_s = await rate(enc, frames, repeats);
    } finally {
      await enc.close();
    }
  }
  {
    const enc = await createEncoder("image", "mobilenet-v2", { batchSize: 16, cacheDir, threads: 1 });
    try {
      out.mobilenet_onnx_nchw_b16_t1_img_s = await rate(enc, frames, repeats);
    } finally {
      await enc.close();
    }
  }
  {
    // End to end: JPEG bytes (640x480) decoded and resized by sharp, then the network.
    const jpegs = await Promise.all(
      syntheticImages(Math.min(images, 64), 480).map(async (f) =>
        new Uint8Array(
          await sharp(f.data, { raw: { width: 480, height: 480, channels: 3 } }).resize(640, 480).jpeg()
            .toBuffer(),
        )
      ),
    );
    const enc = await createEncoder("image", "mobilenet-v2", { batchSize: 16, cacheDir, threads: 2 });
    try {
      out.mobilenet_onnx_jpeg640_end_to_end_b16_img_s = await rate(enc, jpegs, repeats);
    } finally {
      await enc.close();
    }
  }
  if (!skipTfjs) {
    const enc = await createEncoder("image", "mobilenet-v2-tfjs", { batchSize: 8 });
    try {
      out.mobilenet_tfjs_wasm_b8_img_s = await rate(enc, frames.slice(0, tfjsImages), 1);
    } finally {
      await enc.close();
    }
  }
  if (!skipHf) {
    Object.assign(out, await benchHfTinyText({ repeats }));
  }
  const best = Math.max(
    ...Object.entries(out).filter(([k]) => k.startsWith("mobilenet_onnx_") && k.includes("_t2_"))
      .map(([, v]) => v as number),
  );
  out.mobilenet_onnx_best_img_s = best;
  if (typeof out.mobilenet_tfjs_wasm_b8_img_s === "number") {
    out.mobilenet_onnx_speedup_vs_tfjs = Math.round((best / out.mobilenet_tfjs_wasm_b8_img_s) * 10) / 10;
  }
  return out;
}

/** Options of {@linkcode benchExtras}. */
export interface BenchExtrasOptions {
  /** Sample-corpus images rendered (same generator as `deno task sample`) and timed. @default 24 */
  images?: number;
  /** Timed repetitions; the best is reported. @default 2 */
  repeats?: number;
  /** Tesseract processes at once (the ocr extra's default). @default 2 */
  ocrConcurrency?: number;
  /** The corpus the added time is projected to. @default the sample corpus: 2431 images, 403 videos */
  corpus?: { images: number; videos: number };
  /** Frames sampled per video; the objects extra scores each. @default 8 */
  videoFrames?: number;
  /** Skip the OCR figures. @default false */
  skipOcr?: boolean;
  /** Skip the CenterNet figures. @default false */
  skipObjects?: boolean;
}

/**
 * The cost of the optional extras on this machine: OCR (tesseract CLI) and COCO object scores
 * (CenterNet on tfjs-wasm) in images/s and ms/image on sample-corpus images, and the seconds they add to
 * preprocessing the sample corpus. OCR reads the files (as the ocr extra does); CenterNet gets the
 * 224x224 RGB frames the image step decodes (as the objects extra does).
 */
export async function benchExtras(
  options: BenchExtrasOptions = {},
): Promise<Record<string, number | string>> {
  const {
    images = 24,
    repeats = 2,
    ocrConcurrency = 2,
    corpus = { images: 2431, videos: 403 },
    videoFrames = 8,
    skipOcr = false,
    skipObjects = false,
  } = options;
  const dir = await Deno.makeTempDir({ prefix: "bench_extras_" });
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const out: Record<string, number | string> = { extras_images: images };
  try {
    const specs = planSample({ posts: images * 4 }).posts.flatMap((p) => p.media)
      .filter((m) => m.kind === "image").slice(0, images);
    await Deno.mkdir(join(dir, "media"));
    for (const spec of specs) await renderImage(spec, dir);
    const paths = specs.map((s) => join(dir, s.path));
    const best = async (run: () => Promise<unknown>, n: number) => {
      let rate = 0;
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        await run();
        rate = Math.max(rate, n / ((performance.now() - t0) / 1000));
      }
      return rate;
    };
    if (!skipOcr) {
      await ocrImages(paths.slice(0, 1)); // checks the binary, warms the page cache
      const c = await best(() => ocrImages(paths, { concurrency: ocrConcurrency }), paths.length);
      const c1 = await best(() => ocrImages(paths, { concurrency: 1 }), paths.length);
      const signs = await Promise.all(
        ["FINAL SCORE 21", "OPEN DAILY 9-5", "SALE 50% OFF", "Harbour Market"].map(async (t) =>
          new Uint8Array(
            await sharp(new TextEncoder().encode(
              `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="#dfe8ee"/><text x="40" y="250" font-family="DejaVu Sans" font-size="60" fill="#222">${t}</text></svg>`,
            )).jpeg({ quality: 80 }).toBuffer(),
          )
        ),
      );
      const withText = await best(() => ocrImages(signs, { concurrency: ocrConcurrency }), signs.length);
      out[`ocr_c${ocrConcurrency}_img_s`] = r1(c);
      out.ocr_c1_img_s = r1(c1);
      out.ocr_ms_per_img = Math.round(1000 / c);
      out[`ocr_text_images_c${ocrConcurrency}_img_s`] = r1(withText);
      out.ocr_sample_added_s = Math.round(corpus.images / c);
    }
    if (!skipObjects) {
      const frames = await Promise.all(
        paths.map(async (p) => ({ ...(await decodeRgb(p, 224)), channels: 3 as const })),
      );
      const t0 = performance.now();
      const scorer = await loadObjectScorer();
      out.objects_load_ms = Math.round(performance.now() - t0);
      try {
        await scorer.score(frames.slice(0, 1)); // warm-up (first run compiles the graph)
        const rate = await best(() => scorer.score(frames), frames.length);
        out.objects_img_s = r1(rate);
        out.objects_ms_per_img = Math.round(1000 / rate);
        out.objects_sample_added_s = Math.round((corpus.images + corpus.videos * videoFrames) / rate);
      } finally {
        scorer.close();
      }
    }
    out.sample_images = corpus.images;
    out.sample_video_frames = corpus.videos * videoFrames;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return out;
}

/** Options of {@link benchTextNgrams}. */
export interface BenchTextNgramsOptions extends TextNgramsOptions {
  /** Dense projection size also timed. @default 1024 */
  denseDim?: number;
}

/** Times fitting on `texts` and encoding them (sparse, then dense); returns the figures. */
export function benchTextNgrams(
  texts: readonly string[],
  opts: BenchTextNgramsOptions = {},
): Record<string, number | string> {
  const { denseDim = 1024, ...encoderOpts } = opts;
  let t0 = performance.now();
  const enc = TextNgramsEncoder.fit(texts, encoderOpts);
  const fitSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const sparse = enc.encode(texts);
  const encodeSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  denseProjection(sparse, { dim: denseDim });
  const projectSeconds = (performance.now() - t0) / 1000;
  const nnz = sparse.reduce((s, v) => s + v.indices.length, 0);
  return {
    encoder: `${TEXT_NGRAMS_ID}@${TEXT_NGRAMS_VERSION}`,
    texts: texts.length,
    fitSeconds,
    encodeTextsPerSecond: texts.length / Math.max(encodeSeconds, 1e-9),
    meanNonzeros: nnz / Math.max(texts.length, 1),
    [`dense${denseDim}TextsPerSecond`]: texts.length / Math.max(projectSeconds, 1e-9),
    idfJsonBytes: JSON.stringify(enc.toJSON()).length,
  };
}

/** Options of {@linkcode benchHfTinyText}. */
export interface BenchHfTinyTextOptions {
  /** Texts per timed pass. @default 512 */
  texts?: number;
  /** Timed repetitions; the best is reported. @default 3 */
  repeats?: number;
}

/** texts/s of the Hugging Face code path on the tiny generated BERT-like model (tokenizer + pooling cost). */
export async function benchHfTinyText(options: BenchHfTinyTextOptions = {}): Promise<Record<string, number>> {
  const { texts = 512, repeats = 3 } = options;
  const dir = await Deno.makeTempDir({ prefix: "hf_tiny_bench_" });
  try {
    const enc = await createEncoder("text", `hf-text:${await buildTinyTextModel(dir)}`, { batchSize: 32 });
    const words = ["the", "cat", "sat", "on", "a", "mat", "hello", "world", "good", "news", "today"];
    const batch = Array.from(
      { length: texts },
      (_, i) =>
        Array.from({ length: 8 + (i % 24) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "),
    );
    let best = 0;
    await enc.encode(batch.slice(0, 32));
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await enc.encode(batch);
      best = Math.max(best, texts / ((performance.now() - t0) / 1000));
    }
    await enc.close();
    return { hf_tiny_text_b32_texts_s: Math.round(best) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `deno task bench encode`: MobileNetV2 (onnxruntime vs tfjs-wasm), the text encoders, the extras. */
export async function run(settings: Settings): Promise<Record<string, unknown>> {
  const goEmotions = `${DEFAULT_GOEMOTIONS_DIR}/train.tsv`;
  const texts = (await Deno.readTextFile(goEmotions)).split("\n").map((l) => l.split("\t")[0]).filter(
    Boolean,
  );
  return {
    image: await benchEncode({ cacheDir: settings.encoderCacheDir }),
    text_ngrams: benchTextNgrams(texts),
    extras: await benchExtras(),
  };
}
