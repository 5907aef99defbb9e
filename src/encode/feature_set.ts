/**
 * From stored posts to the fusion model's inputs. Three steps:
 *
 * 1. `prepareTexts`: normalize (NFKC, URLs/mentions/hashtags kept as tokens) and identify the language.
 * 2. `fitFeatures` on the training posts: the n-gram IDF and the metadata transform, both saved with the
 *    model so inference applies exactly the same transform.
 * 3. `assembleFeatures`: per post, the sparse text bag (hashed n-grams, TF-IDF), the mean image
 *    embedding, the video row (frame mean, max, facts), the metadata vector, and a presence mask — each
 *    through the Arrow feature cache. A modality that fails to decode is reported for quarantine and
 *    masked out; a post with no usable content modality at all is reported and left out.
 *
 * Optional extras (`config.extras`, off by default, saved with the model so inference uses the same):
 * `ocr` appends the text read from a post's images to its text before the text encoder sees it (see
 * ./ocr.ts for the marked format; the stored post is untouched), `objects` appends 80 COCO object scores
 * to every image embedding and video frame embedding (see ./objects.ts). Each changes the feature cache
 * keys, so rows with and without an extra never mix.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FeatureCache, featureKey } from "@/features/mod.ts";
import type { FeatureExtra } from "@/config/mod.ts";
import type { RawPost } from "@/ingest/mod.ts";
import {
  applyMetadataTransform,
  DEFAULT_METADATA_SPEC,
  fitMetadataTransform,
  loadLanguageIdentifier,
  type MetadataSpec,
  type MetadataTransform,
  normalizeText,
  postMetadataRow,
} from "@/preprocess/mod.ts";
import type { BlobStore, DatasetPost } from "@/store/mod.ts";
import {
  embedImages,
  embedVideos,
  type ImageEmbedder,
  type ImageFeatureConfig,
  type MediaRef,
  videoDim,
  type VideoFeatureConfig,
} from "./media_features.ts";
import {
  appendImageText,
  checkTesseract,
  OCR_ID,
  OCR_VERSION,
  OcrCache,
  type OcrConfig,
  ocrImages,
  type OcrRunOptions,
  resolveOcrConfig,
} from "./extras/ocr.ts";
import {
  type SparseVector,
  TEXT_NGRAMS_ID,
  TEXT_NGRAMS_VERSION,
  TextNgramsEncoder,
  type TextNgramsOptions,
  type TextNgramsState,
} from "./text/ngrams.ts";

export interface FeatureConfig {
  text: {
    /** N-grams kept per post (the highest TF-IDF weights). @default 256 */
    maxTokens: number;
    /** Longer texts are clipped. @default 10000 */
    maxChars: number;
    ngrams: TextNgramsOptions;
  };
  image: ImageFeatureConfig & { encoder: string };
  video: VideoFeatureConfig;
  metadata: MetadataSpec;
  /** Optional extras; absent means off. */
  extras?: FeatureExtras;
}

/** Optional encoder extras (see the module doc). */
export interface FeatureExtras {
  /** Text read from a post's images by OCR, appended to its text. @default off */
  ocr?: OcrConfig;
  /** 80 COCO object scores appended to each image embedding. @default off */
  objects?: boolean;
}

/** `config` with exactly the named extras turned on (the others off). */
export function withExtras(
  config: FeatureConfig,
  extras: readonly FeatureExtra[],
  options: { ocrLangs?: string[] } = {},
): FeatureConfig {
  const on: FeatureExtras = {};
  if (extras.includes("ocr")) on.ocr = resolveOcrConfig({ langs: options.ocrLangs });
  if (extras.includes("objects")) on.objects = true;
  const { extras: _, ...rest } = config;
  return Object.keys(on).length > 0 ? { ...rest, extras: on } : rest;
}

/** The extras a config turns on, e.g. `["ocr"]`. */
export function extrasOf(config: FeatureConfig): FeatureExtra[] {
  return [
    ...(config.extras?.ocr ? ["ocr" as const] : []),
    ...(config.extras?.objects ? ["objects" as const] : []),
  ];
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  text: { maxTokens: 256, maxChars: 10_000, ngrams: {} },
  image: { encoder: "mobilenet-v2", size: 224 },
  video: { frames: 8, seed: 7, size: 224 },
  metadata: DEFAULT_METADATA_SPEC,
};

/** What is fitted on the training posts and travels with the model. */
export interface FittedFeatures {
  config: FeatureConfig;
  ngrams: TextNgramsState;
  metadata: MetadataTransform;
}

export interface PreparedText {
  /** Normalized text ("" when the post has none or it was unusable); the ocr extra appends image text. */
  text: string;
  /** Language of the post's own text (image text never changes it). */
  lang: string;
  /** Why the text was set aside. */
  error?: string;
  /** ocr extra: the text read from the post's images, one line per image ("" when they show none). */
  imageText?: string;
  /** ocr extra: why images of the post could not be read (the post keeps everything else). */
  ocrErrors?: string[];
}

/** Where the ocr extra finds a post's images and keeps what it read. */
export interface ImageTextSource {
  blobs: BlobStore;
  /** Feature cache root; OCR text is kept under `<cacheRoot>/ocr/`. */
  cacheRoot: string;
  /** Caches already open under `cacheRoot`, to reuse across calls (a job's batches). */
  caches?: CacheShelf;
  /** How tesseract runs (concurrency, timeout, binary). @default see OcrRunOptions */
  ocr?: Pick<OcrRunOptions, "concurrency" | "timeoutSeconds" | "binary">;
  /** Called with (done, total) images read. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Normalizes every post's text and identifies its language (the platform's own tag wins when given).
 * With the ocr extra on, `media` is required: the text in each post's images is read (through the OCR
 * cache) and appended to the post's text.
 */
export async function prepareTexts(
  posts: DatasetPost[],
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
  media?: ImageTextSource,
): Promise<Map<string, PreparedText>> {
  const lid = await loadLanguageIdentifier();
  const out = new Map<string, PreparedText>();
  for (const p of posts) {
    const raw = p.doc.text;
    if (!raw) {
      out.set(p.id, { text: "", lang: "und" });
      continue;
    }
    if (raw.includes("\uFFFD")) {
      out.set(p.id, { text: "", lang: "und", error: "text is not valid UTF-8 (replacement characters)" });
      continue;
    }
    if (raw.length > 100 * config.text.maxChars) {
      out.set(p.id, { text: "", lang: "und", error: `text too long: ${raw.length} characters` });
      continue;
    }
    const norm = normalizeText(raw, { maxChars: config.text.maxChars, onTooLong: "clip" });
    const declared = p.doc.lang?.split(/[-_]/)[0]?.toLowerCase();
    out.set(p.id, { text: norm.text, lang: declared || lid.identify(norm.text).lang });
  }
  if (config.extras?.ocr) {
    if (!media) {
      throw new RangeError(
        'Cannot prepare texts: the "ocr" extra is on but no blob store was given; pass { blobs, cacheRoot }',
      );
    }
    await addImageText(posts, out, config, media);
  }
  return out;
}

/** Reads the text in the posts' images (once per blob, cached) and appends it to their text. */
async function addImageText(
  posts: DatasetPost[],
  texts: Map<string, PreparedText>,
  config: FeatureConfig,
  media: ImageTextSource,
): Promise<ImageTextStats> {
  const ocrConfig = resolveOcrConfig(config.extras!.ocr);
  const run: OcrRunOptions = { ...ocrConfig, ...media.ocr };
  const tool = await checkTesseract({ binary: run.binary, langs: ocrConfig.langs });
  const cache = await (media.caches ?? new CacheShelf(media.cacheRoot)).ocr();
  const key = (blob: string) =>
    featureKey({ content: blob, encoder: `${OCR_ID}-${tool.version}@${OCR_VERSION}`, config: ocrConfig });
  const read = new Map<string, string>(); // blob -> text
  const failed = new Map<string, string>(); // blob -> why
  const todo: { sha: string; path: string }[] = [];
  const seen = new Set<string>();
  for (const p of posts) {
    for (const m of p.media) {
      if (m.kind !== "image" || !m.blob_sha256 || seen.has(m.blob_sha256)) continue;
      seen.add(m.blob_sha256);
      const hit = cache.get(key(m.blob_sha256));
      if (hit !== undefined) read.set(m.blob_sha256, hit);
      else {
        // A missing blob is reported by the image step; here it just has no text.
        const path = await media.blobs.localPath(m.blob_sha256).catch(() => undefined);
        if (path) todo.push({ sha: m.blob_sha256, path });
      }
    }
  }
  const step = 16;
  for (let i = 0; i < todo.length; i += step) {
    const chunk = todo.slice(i, i + step);
    const results = await ocrImages(chunk.map((t) => t.path), run);
    const rows: { key: string; text: string }[] = [];
    results.forEach((r, k) => {
      if ("text" in r) {
        read.set(chunk[k].sha, r.text);
        rows.push({ key: key(chunk[k].sha), text: r.text });
      } else failed.set(chunk[k].sha, r.error.message);
    });
    await cache.put(rows);
    media.onProgress?.(Math.min(i + step, todo.length), todo.length);
  }
  if (cache.parts > 8) await cache.compact();
  for (const p of posts) {
    const t = texts.get(p.id);
    if (!t) continue;
    const blobs = p.media.filter((m) => m.kind === "image" && m.blob_sha256).map((m) => m.blob_sha256!);
    const lines = blobs.map((b) => read.get(b) ?? "").map((s) =>
      normalizeText(s, { maxChars: config.text.maxChars, onTooLong: "clip" }).text
    );
    const errors = blobs.flatMap((b) => failed.has(b) ? [failed.get(b)!] : []);
    t.imageText = lines.filter((l) => l.length > 0).join("\n");
    if (errors.length > 0) t.ocrErrors = errors;
    // A post whose own text was set aside stays set aside: image text does not stand in for it.
    if (!t.error) t.text = appendImageText(t.text, lines);
  }
  return {
    images: seen.size,
    cache_hits: seen.size - todo.length,
    read: todo.length - failed.size,
    with_text: [...read.values()].filter((x) => x.length > 0).length,
    failed: failed.size,
  };
}

/** What the ocr extra did in one run. */
export interface ImageTextStats {
  /** Distinct images of the posts. */
  images: number;
  cache_hits: number;
  /** Images read by tesseract in this run. */
  read: number;
  /** Images (cached or read) that show text. */
  with_text: number;
  /** Images that could not be read (their posts keep everything else). */
  failed: number;
}

/** A stored post as the metadata transform reads it. */
export function metadataRow(p: DatasetPost, lang: string) {
  const raw: RawPost = {
    platform: p.platform,
    nativeId: p.id,
    createdAt: p.created_at ?? undefined,
    text: p.doc.text,
    lang: p.doc.lang,
    media: p.media.map((m) => ({ kind: m.kind })),
    user: {
      followers: p.user_followers ?? undefined,
      following: p.user_following ?? undefined,
      posts: p.user_posts ?? undefined,
      verified: p.user_verified ?? undefined,
      createdAt: p.user_created_at ?? undefined,
    },
    device: p.device ?? undefined,
  };
  return postMetadataRow(raw, { lang });
}

export function fitFeatures(
  train: DatasetPost[],
  texts: Map<string, PreparedText>,
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
): FittedFeatures {
  const trainTexts = train.map((p) => texts.get(p.id)?.text ?? "").filter((t) => t.length > 0);
  const ngrams = TextNgramsEncoder.fit(trainTexts, config.text.ngrams).toJSON();
  const metadata = fitMetadataTransform(
    train.map((p) => metadataRow(p, texts.get(p.id)?.lang ?? "und")),
    config.metadata,
  );
  return { config, ngrams, metadata };
}

export async function saveFitted(dir: string, fitted: FittedFeatures): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "features.json"), JSON.stringify(fitted));
}

export async function loadFitted(dir: string): Promise<FittedFeatures> {
  return JSON.parse(await Deno.readTextFile(join(dir, "features.json")));
}

/** A set-aside modality or post, for the caller to quarantine. */
export interface FeatureProblem {
  postId: string;
  modality: "text" | "image" | "video" | "";
  reason: string;
}

export interface AssembledFeatures {
  /** Post ids of the rows, in order (posts with no usable content modality are left out). */
  ids: string[];
  langs: string[];
  count: number;
  textIds: Int32Array;
  textWeights: Float32Array;
  image: Float32Array;
  video: Float32Array;
  metadata: Float32Array;
  /** count x 4 presence bits: text, image, video, metadata. */
  mask: Uint8Array;
  sizes: { maxTokens: number; image: number; video: number; metadata: number };
  problems: FeatureProblem[];
  stats: { posts: number; left_out: number; cache_hits: number; computed: number };
}

export interface AssembleContext {
  blobs: BlobStore;
  cacheRoot: string;
  imageEncoder: ImageEmbedder;
  /**
   * Caches opened once and reused across calls (an inference run assembles batch after batch; opening a
   * cache reads all its Arrow files). @default opened for this call only
   */
  caches?: CacheShelf;
  /** Called with (done, total) media items. */
  onProgress?: (done: number, total: number) => void;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Feature caches by name, each opened on first use and then kept. */
export class CacheShelf {
  readonly #open = new Map<string, Promise<FeatureCache>>();
  #ocr: Promise<OcrCache> | undefined;
  constructor(readonly root: string) {}

  get(name: string, dim: number): Promise<FeatureCache> {
    let cache = this.#open.get(name);
    if (!cache) this.#open.set(name, cache = FeatureCache.open(this.root, name, dim));
    return cache;
  }

  /** The ocr extra's text cache under the same root (its files are read once per shelf). */
  ocr(): Promise<OcrCache> {
    return this.#ocr ??= OcrCache.open(this.root);
  }
}

/** The n-gram encoder of a fitted state and the hash that keys its rows: built once per state. */
const ngramsOf = new WeakMap<FittedFeatures, { encoder: TextNgramsEncoder; idfHash: string }>();
function fittedNgrams(fitted: FittedFeatures) {
  let entry = ngramsOf.get(fitted);
  if (!entry) {
    entry = {
      encoder: TextNgramsEncoder.fromJSON(fitted.ngrams),
      idfHash: sha(JSON.stringify(fitted.ngrams)).slice(0, 16),
    };
    ngramsOf.set(fitted, entry);
  }
  return entry;
}

/** Images and videos of the posts embedded through the cache; what failed goes to `problems`. */
async function embedPostMedia(
  posts: DatasetPost[],
  ctx: AssembleContext,
  config: FeatureConfig,
  problems: FeatureProblem[],
) {
  const shelf = ctx.caches ?? new CacheShelf(ctx.cacheRoot);
  // The objects extra: a wrapped encoder with its own id, so its rows live in their own cache. Imported
  // only when on: loading tfjs-backend-wasm registers it as tfjs's preferred backend process-wide.
  const objects = config.extras?.objects
    ? (await import("./extras/objects.ts")).withObjectScores(ctx.imageEncoder)
    : undefined;
  const encoder = objects ?? ctx.imageEncoder;
  const dim = encoder.dim;
  const imageCache = await shelf.get(`image/${safe(encoder.id)}`, dim);
  const videoCache = await shelf.get(`video/${safe(encoder.id)}`, videoDim(dim));
  const refs = await collectMediaRefs(posts, ctx.blobs, problems);
  const total = refs.image.length + refs.video.length;
  let done = 0;
  const tick = (n: number) => ctx.onProgress?.(done += n, total);
  const [images, videos] = await (async () => {
    try {
      return [
        await embedImages(refs.image, encoder, imageCache, config.image, tick),
        await embedVideos(refs.video, encoder, videoCache, config.video, tick),
      ];
    } finally {
      await objects?.close();
    }
  })();
  for (const [kind, o, list] of [["image", images, refs.image], ["video", videos, refs.video]] as const) {
    for (const ref of list) {
      const err = o.errors.get(ref.sha);
      if (err) problems.push({ postId: ref.postId, modality: kind, reason: err.message });
    }
  }
  return { refs, images, videos, imageCache, videoCache, dim };
}

export async function assembleFeatures(
  posts: DatasetPost[],
  texts: Map<string, PreparedText>,
  fitted: FittedFeatures,
  ctx: AssembleContext,
): Promise<AssembledFeatures> {
  const { config } = fitted;
  const maxTokens = config.text.maxTokens;
  const problems: FeatureProblem[] = [];
  const stats = { posts: posts.length, left_out: 0, cache_hits: 0, computed: 0 };

  ctx = { ...ctx, caches: ctx.caches ?? new CacheShelf(ctx.cacheRoot) };
  // Media first: the slow part, through the cache.
  const { images, videos, dim: imgDim } = await embedPostMedia(posts, ctx, config, problems);
  for (const o of [images, videos]) {
    stats.cache_hits += o.hits;
    stats.computed += o.computed;
  }

  // Text bags, through the cache (keyed by text and the fitted IDF).
  const { encoder: ngrams, idfHash } = fittedNgrams(fitted);
  const textCache = await ctx.caches!.get(
    `text/${TEXT_NGRAMS_ID}-${maxTokens}`,
    2 * maxTokens,
  );
  const textKey = (t: string) =>
    featureKey({
      content: sha(t),
      encoder: `${TEXT_NGRAMS_ID}@${TEXT_NGRAMS_VERSION}+${idfHash}`,
      config: config.text,
    });
  const missingTexts = [
    ...new Set(posts.map((p) => texts.get(p.id)?.text ?? "").filter((t) => t && !textCache.has(textKey(t)))),
  ];
  const rows = ngrams.encode(missingTexts).map((v, i) => ({
    key: textKey(missingTexts[i]),
    vector: packBag(v.indices, v.values, maxTokens),
  }));
  await textCache.put(rows);
  stats.computed += rows.length;

  // Rows.
  const kept: { p: DatasetPost; text?: Float32Array; image?: Float32Array; video?: Float32Array }[] = [];
  for (const p of posts) {
    const t = texts.get(p.id);
    if (t?.error) problems.push({ postId: p.id, modality: "text", reason: t.error });
    for (const reason of t?.ocrErrors ?? []) problems.push({ postId: p.id, modality: "image", reason });
    const text = t?.text ? textCache.get(textKey(t.text)) : undefined;
    const imgs = p.media.filter((m) => m.kind === "image" && m.blob_sha256).map((m) =>
      images.vectors.get(m.blob_sha256!)
    ).filter((v) => v !== undefined);
    const vid = p.media.filter((m) => m.kind === "video" && m.blob_sha256).map((m) =>
      videos.vectors.get(m.blob_sha256!)
    ).find((v) => v !== undefined);
    if (!text && imgs.length === 0 && !vid) {
      stats.left_out++;
      problems.push({ postId: p.id, modality: "", reason: "no usable text, image or video" });
      continue;
    }
    kept.push({ p, text, image: imgs.length ? mean(imgs, imgDim) : undefined, video: vid });
  }
  const n = kept.length;
  const vDim = videoDim(imgDim);
  const out: AssembledFeatures = {
    ids: kept.map((k) => k.p.id),
    langs: kept.map((k) => texts.get(k.p.id)?.lang ?? "und"),
    count: n,
    textIds: new Int32Array(n * maxTokens),
    textWeights: new Float32Array(n * maxTokens),
    image: new Float32Array(n * imgDim),
    video: new Float32Array(n * vDim),
    metadata: new Float32Array(n * fitted.metadata.dim),
    mask: new Uint8Array(n * 4),
    sizes: { maxTokens, image: imgDim, video: vDim, metadata: fitted.metadata.dim },
    problems,
    stats,
  };
  kept.forEach((k, i) => {
    if (k.text) {
      for (let j = 0; j < maxTokens; j++) {
        out.textIds[i * maxTokens + j] = k.text[j];
        out.textWeights[i * maxTokens + j] = k.text[maxTokens + j];
      }
      out.mask[i * 4] = 1;
    }
    if (k.image) {
      out.image.set(k.image, i * imgDim);
      out.mask[i * 4 + 1] = 1;
    }
    if (k.video) {
      out.video.set(k.video, i * vDim);
      out.mask[i * 4 + 2] = 1;
    }
    out.metadata.set(
      applyMetadataTransform(fitted.metadata, metadataRow(k.p, out.langs[i])),
      i * fitted.metadata.dim,
    );
    out.mask[i * 4 + 3] = 1;
  });
  return out;
}

/**
 * Each row's full TF-IDF bag, every n-gram (the network's bag keeps the `maxTokens` heaviest): the
 * input of the tagger's linear model. Not cached: encoding is cheaper than reading it back.
 */
export function textVectors(
  ids: readonly string[],
  texts: Map<string, PreparedText>,
  fitted: FittedFeatures,
): SparseVector[] {
  const { encoder } = fittedNgrams(fitted);
  return ids.map((id) => encoder.encodeOne(texts.get(id)?.text ?? ""));
}

/** Every stored image and video of the posts, with a local path; missing blobs and failed downloads go to `problems`. */
async function collectMediaRefs(posts: DatasetPost[], blobs: BlobStore, problems: FeatureProblem[]) {
  const refs = { image: [] as MediaRef[], video: [] as MediaRef[] };
  for (const p of posts) {
    for (const m of p.media) {
      if (!m.blob_sha256) {
        if (m.error) problems.push({ postId: p.id, modality: m.kind, reason: m.error });
        continue;
      }
      const path = await blobs.localPath(m.blob_sha256).catch(() => undefined);
      if (path) refs[m.kind].push({ sha: m.blob_sha256, path, postId: p.id });
      else {problems.push({
          postId: p.id,
          modality: m.kind,
          reason: `media blob "${m.blob_sha256}" is missing from the blob store`,
        });}
    }
  }
  return refs;
}

/** The `max` heaviest n-grams as [ids..., weights...] (ids fit exactly in float32 below 2^24). */
export function packBag(indices: Int32Array, values: Float32Array, max: number): Float32Array {
  const order = Array.from(indices.keys());
  if (order.length > max) {
    order.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b).length = max;
  }
  const row = new Float32Array(2 * max);
  order.forEach((k, j) => {
    row[j] = indices[k];
    row[max + j] = values[k];
  });
  return row;
}

function mean(vs: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (const v of vs) for (let k = 0; k < dim; k++) out[k] += v[k] / vs.length;
  return out;
}

const safe = (id: string) => id.replace(/[^\w.@:+-]/g, "_");

export interface PrecomputeSummary {
  posts: number;
  images: number;
  videos: number;
  cache_hits: number;
  computed: number;
  problems: FeatureProblem[];
  languages: Record<string, number>;
  /** The ocr extra's figures, when it is on. */
  image_text?: ImageTextStats;
}

/**
 * The heavy, transform-free part ahead of training and inference: every image and video of the posts
 * embedded into the cache, and every text's language identified. Safe to rerun: cached rows are reused.
 */
export async function precomputeFeatures(
  posts: DatasetPost[],
  ctx: Omit<AssembleContext, "imageEncoder"> & {
    imageEncoder: ImageEmbedder;
    config?: FeatureConfig;
    /** ocr extra: how tesseract runs and its progress. */
    ocr?: Pick<ImageTextSource, "ocr" | "onProgress">;
  },
): Promise<PrecomputeSummary & { texts: Map<string, PreparedText> }> {
  const config = ctx.config ?? DEFAULT_FEATURE_CONFIG;
  const texts = await prepareTexts(posts, withExtras(config, []));
  const problems: FeatureProblem[] = [];
  const languages: Record<string, number> = {};
  for (const [id, t] of texts) {
    if (t.error) problems.push({ postId: id, modality: "text", reason: t.error });
    if (t.text) languages[t.lang] = (languages[t.lang] ?? 0) + 1;
  }
  let imageText: ImageTextStats | undefined;
  if (config.extras?.ocr) {
    imageText = await addImageText(posts, texts, config, {
      blobs: ctx.blobs,
      cacheRoot: ctx.cacheRoot,
      caches: ctx.caches,
      ...ctx.ocr,
    });
    for (const [id, t] of texts) {
      for (const reason of t.ocrErrors ?? []) problems.push({ postId: id, modality: "image", reason });
    }
  }
  const { refs, images, videos, imageCache, videoCache } = await embedPostMedia(posts, ctx, config, problems);
  await imageCache.compact();
  await videoCache.compact();
  return {
    posts: posts.length,
    images: refs.image.length,
    videos: refs.video.length,
    cache_hits: images.hits + videos.hits,
    computed: images.computed + videos.computed,
    problems,
    languages,
    ...(imageText ? { image_text: imageText } : {}),
    texts,
  };
}
