/**
 * The fusion model's inputs for a batch of posts: per post the sparse text bag (hashed n-grams, TF-IDF),
 * with `text.encoder` the text's sentence embedding beside it, the mean image embedding, the video row (frame mean, max, facts), the metadata vector and a presence
 * mask, each through the Arrow feature cache. A modality that fails is reported for quarantine and
 * masked out; a post with no usable content modality at all is reported and left out.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { featureKey } from "@/features/mod.ts";
import { applyMetadataTransform } from "@/preprocess/mod.ts";
import type { DatasetPost } from "@/store/mod.ts";
import { CacheShelf } from "./cache_shelf.ts";
import { ngramConfig } from "./feature_config.ts";
import { type FittedFeatures, fittedNgrams, metadataRow, networkBuckets } from "./fitted.ts";
import { videoDim } from "./media_features.ts";
import { type AssembleContext, embedPostMedia, type FeatureProblem } from "./post_media.ts";
import type { PreparedText } from "./texts.ts";
import { embedPostTexts } from "./text_embeddings.ts";
import { type SparseVector, TEXT_NGRAMS_ID, TEXT_NGRAMS_VERSION } from "./text/ngrams.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

export interface AssembledFeatures {
  /** Post ids of the rows, in order (posts with no usable content modality are left out). */
  ids: string[];
  langs: string[];
  count: number;
  textIds: Int32Array;
  textWeights: Float32Array;
  /** count x sizes.text sentence embeddings (with `text.encoder`; else absent and sizes.text 0). */
  text?: Float32Array;
  image: Float32Array;
  video: Float32Array;
  metadata: Float32Array;
  /** count x 4 presence bits: text, image, video, metadata. */
  mask: Uint8Array;
  sizes: { maxTokens: number; text: number; image: number; video: number; metadata: number };
  problems: FeatureProblem[];
  stats: { posts: number; left_out: number; cache_hits: number; computed: number };
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
      config: ngramConfig(config),
    });
  const missingTexts = [
    ...new Set(posts.map((p) => texts.get(p.id)?.text ?? "").filter((t) => t && !textCache.has(textKey(t)))),
  ];
  // Models saved before networkBuckets read the n-gram space itself: no fold.
  const networkSpace = networkBuckets(fitted);
  const fold = networkSpace < ngrams.dim ? networkSpace : undefined;
  const rows = ngrams.encode(missingTexts).map((v, i) => ({
    key: textKey(missingTexts[i]),
    vector: packBag(v.indices, v.values, maxTokens, fold),
  }));
  await textCache.put(rows);
  stats.computed += rows.length;
  const dense = config.text.encoder
    ? await embedPostTexts(posts, texts, config, ctx, fitted.textEncoder)
    : undefined;
  if (dense) {
    stats.cache_hits += dense.hits;
    stats.computed += dense.computed;
    for (const f of dense.failed) problems.push({ postId: f.postId, modality: "text", reason: f.reason });
  }
  const tDim = dense?.dim ?? 0;

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
    ...(dense ? { text: new Float32Array(n * tDim) } : {}),
    sizes: { maxTokens, text: tDim, image: imgDim, video: vDim, metadata: fitted.metadata.dim },
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
      const e = dense?.vectors.get(texts.get(k.p.id)!.text);
      if (e) out.text!.set(e, i * tDim);
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

/**
 * The `max` heaviest n-grams as [ids..., weights...] (ids fit exactly in float32 below 2^24), with ids
 * first folded into `fold` buckets (`id mod fold`; weights of ids that meet are summed).
 */
export function packBag(indices: Int32Array, values: Float32Array, max: number, fold?: number): Float32Array {
  if (fold !== undefined) [indices, values] = foldBag(indices, values, fold);
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

/** The bag with ids taken mod `fold`, increasing, and the weights of each folded id summed. */
function foldBag(indices: Int32Array, values: Float32Array, fold: number): [Int32Array, Float32Array] {
  const sums = new Map<number, number>();
  for (let k = 0; k < indices.length; k++) {
    const id = indices[k] % fold;
    sums.set(id, (sums.get(id) ?? 0) + values[k]);
  }
  const ids = Int32Array.from(sums.keys()).sort();
  return [ids, Float32Array.from(ids, (id) => sums.get(id)!)];
}

function mean(vs: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (const v of vs) for (let k = 0; k < dim; k++) out[k] += v[k] / vs.length;
  return out;
}
