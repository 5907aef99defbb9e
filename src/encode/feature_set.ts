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
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FeatureCache } from "@/features/cache.ts";
import { featureKey } from "@/features/key.ts";
import type { RawPost } from "@/ingest/raw_post.ts";
import {
  applyMetadataTransform,
  DEFAULT_METADATA_SPEC,
  fitMetadataTransform,
  type MetadataSpec,
  type MetadataTransform,
  postMetadataRow,
} from "@/preprocess/metadata.ts";
import { loadLanguageIdentifier } from "@/preprocess/language.ts";
import { normalizeText } from "@/preprocess/text.ts";
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
  TEXT_NGRAMS_ID,
  TEXT_NGRAMS_VERSION,
  TextNgramsEncoder,
  type TextNgramsOptions,
  type TextNgramsState,
} from "./text_ngrams.ts";

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
  /** Normalized text ("" when the post has none or it was unusable). */
  text: string;
  lang: string;
  /** Why the text was set aside. */
  error?: string;
}

/** Normalizes every post's text and identifies its language (the platform's own tag wins when given). */
export async function prepareTexts(
  posts: DatasetPost[],
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
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
  return out;
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
  constructor(readonly root: string) {}

  get(name: string, dim: number): Promise<FeatureCache> {
    let cache = this.#open.get(name);
    if (!cache) this.#open.set(name, cache = FeatureCache.open(this.root, name, dim));
    return cache;
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
  const dim = ctx.imageEncoder.dim;
  const imageCache = await shelf.get(`image/${safe(ctx.imageEncoder.id)}`, dim);
  const videoCache = await shelf.get(`video/${safe(ctx.imageEncoder.id)}`, videoDim(dim));
  const refs = await collectMediaRefs(posts, ctx.blobs, problems);
  const total = refs.image.length + refs.video.length;
  let done = 0;
  const tick = (n: number) => ctx.onProgress?.(done += n, total);
  const images = await embedImages(refs.image, ctx.imageEncoder, imageCache, config.image, tick);
  const videos = await embedVideos(refs.video, ctx.imageEncoder, videoCache, config.video, tick);
  for (const [kind, o, list] of [["image", images, refs.image], ["video", videos, refs.video]] as const) {
    for (const ref of list) {
      const err = o.errors.get(ref.sha);
      if (err) problems.push({ postId: ref.postId, modality: kind, reason: err.message });
    }
  }
  return { refs, images, videos, imageCache, videoCache };
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
  const imgDim = ctx.imageEncoder.dim;
  const { images, videos } = await embedPostMedia(posts, ctx, config, problems);
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
}

/**
 * The heavy, transform-free part ahead of training and inference: every image and video of the posts
 * embedded into the cache, and every text's language identified. Safe to rerun: cached rows are reused.
 */
export async function precomputeFeatures(
  posts: DatasetPost[],
  ctx: Omit<AssembleContext, "imageEncoder"> & { imageEncoder: ImageEmbedder; config?: FeatureConfig },
): Promise<PrecomputeSummary & { texts: Map<string, PreparedText> }> {
  const config = ctx.config ?? DEFAULT_FEATURE_CONFIG;
  const texts = await prepareTexts(posts, config);
  const problems: FeatureProblem[] = [];
  const languages: Record<string, number> = {};
  for (const [id, t] of texts) {
    if (t.error) problems.push({ postId: id, modality: "text", reason: t.error });
    if (t.text) languages[t.lang] = (languages[t.lang] ?? 0) + 1;
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
    texts,
  };
}
