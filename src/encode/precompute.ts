/**
 * The heavy, transform-free part ahead of training and inference: every image and video embedded into
 * the cache, every text's language identified (and its image text read, with the ocr extra), and with
 * `text.encoder` every text's sentence embedding cached.
 *
 * @module
 */
import type { DatasetPost } from "@/store/mod.ts";
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, withExtras } from "./feature_config.ts";
import type { ImageEmbedder } from "./media_features.ts";
import { type AssembleContext, embedPostMedia, type FeatureProblem } from "./post_media.ts";
import {
  addImageText,
  type ImageTextSource,
  type ImageTextStats,
  type PreparedText,
  prepareTexts,
} from "./texts.ts";
import { embedPostTexts } from "./text_embeddings.ts";

export interface PrecomputeSummary {
  posts: number;
  images: number;
  videos: number;
  cache_hits: number;
  computed: number;
  problems: FeatureProblem[];
  languages: Record<string, number>;
  /** The sentence encoder's figures (texts read from the cache, computed), when the config names one. */
  text_embeddings?: { hits: number; computed: number; dim: number };
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
  const dense = config.text.encoder ? await embedPostTexts(posts, texts, config, ctx) : undefined;
  for (const f of dense?.failed ?? []) {
    problems.push({ postId: f.postId, modality: "text", reason: f.reason });
  }
  const { refs, images, videos, imageCache, videoCache } = await embedPostMedia(posts, ctx, config, problems);
  await imageCache.compact();
  await videoCache.compact();
  return {
    posts: posts.length,
    images: refs.image.length,
    videos: refs.video.length,
    cache_hits: images.hits + videos.hits + (dense?.hits ?? 0),
    computed: images.computed + videos.computed + (dense?.computed ?? 0),
    ...(dense ? { text_embeddings: { hits: dense.hits, computed: dense.computed, dim: dense.dim } } : {}),
    problems,
    languages,
    ...(imageText ? { image_text: imageText } : {}),
    texts,
  };
}
