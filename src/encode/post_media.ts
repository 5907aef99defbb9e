/**
 * Every image and video of a batch of posts embedded through the feature cache (the objects extra wraps
 * the encoder when on); what cannot be used is reported per post for quarantine.
 *
 * @module
 */
import type { BlobStore, DatasetPost } from "@/store/mod.ts";
import { CacheShelf, safe } from "./cache_shelf.ts";
import type { FeatureConfig } from "./feature_config.ts";
import { embedImages, embedVideos, type ImageEmbedder, type MediaRef, videoDim } from "./media_features.ts";
import type { TextEmbedder } from "./text_embeddings.ts";

/** A set-aside modality or post, for the caller to quarantine. */
export interface FeatureProblem {
  postId: string;
  modality: "text" | "image" | "video" | "";
  reason: string;
}

export interface AssembleContext {
  blobs: BlobStore;
  cacheRoot: string;
  imageEncoder: ImageEmbedder;
  /**
   * The sentence encoder for `config.text.encoder`, when the config names one.
   * @default opened from `modelsDir` for the call and closed after
   */
  textEncoder?: TextEmbedder;
  /** Where models added with `deno task models add` lie (MODELS_DIR). */
  modelsDir?: string;
  /**
   * Caches opened once and reused across calls (an inference run assembles batch after batch; opening a
   * cache reads all its Arrow files). @default opened for this call only
   */
  caches?: CacheShelf;
  /** Called with (done, total) media items. */
  onProgress?: (done: number, total: number) => void;
}

/** Images and videos of the posts embedded through the cache; what failed goes to `problems`. */
export async function embedPostMedia(
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
