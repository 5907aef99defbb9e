/**
 * Image and video embeddings through the feature cache. Images are keyed by blob sha256 (an image shared
 * by many posts is encoded once); a video's row is keyed by its blob, the frame sampling config and the
 * encoder: mean and max of its frame embeddings, then the video facts (duration, fps, size, audio,
 * scene-change rate). A file that cannot be decoded comes back as an InputDataError, for the caller to
 * quarantine; the post keeps its other modalities.
 */
import { FeatureCache, featureKey } from "@/features/mod.ts";
import {
  decodeRgb,
  InputDataError,
  sampleVideoFrames,
  VIDEO_FACT_NAMES,
  videoFacts,
  videoFactsVector,
} from "@/preprocess/mod.ts";
import { BlobCorruptError, verifyBlobFile } from "@/store/mod.ts";
import type { RgbImage } from "@/core/mod.ts";
import type { Encoder } from "./encoder.ts";

/** What the media features need of an image encoder: any `Encoder<"image">` is one. */
export interface ImageEmbedder extends Pick<Encoder<"image">, "id" | "version" | "dim"> {
  /** Embeds decoded frames (the media features decode and resize first). */
  encode(batch: RgbImage[]): Promise<Float32Array[]>;
}

export interface MediaRef {
  /** Blob sha256. */
  sha: string;
  /** A local file path for the blob. */
  path: string;
  /** Whose media it is, for error messages and quarantine. */
  postId: string;
}

export interface ImageFeatureConfig {
  /** Side of the encoder's square input. @default 224 */
  size?: number;
  /** Pixel limit against decompression bombs. @default 50_000_000 */
  maxPixels?: number;
  /** Images decoded at once. @default 4 */
  concurrency?: number;
  /** Images per encoder call. @default 32 */
  batchSize?: number;
}

export interface VideoFeatureConfig {
  /** Frames sampled per clip. @default 8 */
  frames?: number;
  /** Seed of the frame positions. @default 7 */
  seed?: number;
  /** Side of the frames. @default 224 */
  size?: number;
}

export interface MediaOutcome {
  vectors: Map<string, Float32Array>;
  errors: Map<string, InputDataError>;
  hits: number;
  computed: number;
}

export const videoDim = (imageDim: number) => imageDim * 2 + VIDEO_FACT_NAMES.length;

const imageConfig = (c: ImageFeatureConfig) => ({
  size: c.size ?? 224,
  maxPixels: c.maxPixels ?? 50_000_000,
});
const videoConfig = (c: VideoFeatureConfig) => ({
  frames: c.frames ?? 8,
  seed: c.seed ?? 7,
  size: c.size ?? 224,
});

export function imageKey(encoder: ImageEmbedder, sha: string, config: ImageFeatureConfig = {}): string {
  return featureKey({
    content: sha,
    encoder: `${encoder.id}@${encoder.version}`,
    config: imageConfig(config),
  });
}

export function videoKey(encoder: ImageEmbedder, sha: string, config: VideoFeatureConfig = {}): string {
  return featureKey({
    content: sha,
    encoder: `${encoder.id}@${encoder.version}`,
    config: { video: videoConfig(config) },
  });
}

function asInputError(err: unknown, ref: MediaRef, modality: "image" | "video"): InputDataError {
  if (err instanceof InputDataError) return err;
  return new InputDataError(
    `Cannot preprocess ${modality} of post "${ref.postId}": ${(err as Error).message}`,
    {
      modality,
      reason: err instanceof BlobCorruptError ? "blob_changed" : "corrupt",
      postId: ref.postId,
      cause: err,
    },
  );
}

/** Embeddings for images (by blob sha), computing only the ones the cache lacks. */
export async function embedImages(
  refs: MediaRef[],
  encoder: ImageEmbedder,
  cache: FeatureCache,
  config: ImageFeatureConfig = {},
  onDone?: (n: number) => void,
): Promise<MediaOutcome> {
  const out: MediaOutcome = { vectors: new Map(), errors: new Map(), hits: 0, computed: 0 };
  const todo: MediaRef[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.sha)) continue;
    seen.add(ref.sha);
    const hit = cache.get(imageKey(encoder, ref.sha, config));
    if (hit) {
      out.vectors.set(ref.sha, hit);
      out.hits++;
    } else todo.push(ref);
  }
  const { size, maxPixels } = imageConfig(config);
  const batchSize = config.batchSize ?? 32;
  const concurrency = config.concurrency ?? 4;
  for (let i = 0; i < todo.length; i += batchSize) {
    const chunk = todo.slice(i, i + batchSize);
    const decoded: ({ ref: MediaRef; img: Awaited<ReturnType<typeof decodeRgb>> } | undefined)[] = [];
    for (let j = 0; j < chunk.length; j += concurrency) {
      decoded.push(
        ...await Promise.all(
          chunk.slice(j, j + concurrency).map(async (ref) => {
            try {
              await verifyBlobFile(ref.path, ref.sha); // a blob changed on disk is not encoded
              return {
                ref,
                img: await decodeRgb(ref.path, size, {
                  maxPixels,
                  postId: ref.postId,
                  name: `image of post ${ref.postId}`,
                }),
              };
            } catch (err) {
              out.errors.set(ref.sha, asInputError(err, ref, "image"));
              return undefined;
            }
          }),
        ),
      );
    }
    const ok = decoded.filter((d) => d !== undefined);
    const vectors = await encoder.encode(ok.map((d) => ({ ...d.img, channels: 3 as const })));
    await cache.put(ok.map((d, k) => ({ key: imageKey(encoder, d.ref.sha, config), vector: vectors[k] })));
    ok.forEach((d, k) => out.vectors.set(d.ref.sha, vectors[k]));
    out.computed += ok.length;
    onDone?.(chunk.length);
  }
  return out;
}

/** One row per video: mean and max of its frame embeddings, then the facts vector. */
export async function embedVideos(
  refs: MediaRef[],
  encoder: ImageEmbedder,
  cache: FeatureCache,
  config: VideoFeatureConfig = {},
  onDone?: (n: number) => void,
): Promise<MediaOutcome> {
  const out: MediaOutcome = { vectors: new Map(), errors: new Map(), hits: 0, computed: 0 };
  const { frames, seed, size } = videoConfig(config);
  const dim = encoder.dim;
  for (const ref of refs) {
    if (out.vectors.has(ref.sha) || out.errors.has(ref.sha)) continue;
    const key = videoKey(encoder, ref.sha, config);
    const hit = cache.get(key);
    if (hit) {
      out.vectors.set(ref.sha, hit);
      out.hits++;
      onDone?.(1);
      continue;
    }
    try {
      await verifyBlobFile(ref.path, ref.sha);
      const sampled = await sampleVideoFrames(ref.path, {
        frames,
        seed,
        size,
        name: `video of post ${ref.postId}`,
      });
      if (sampled.images.length === 0) {
        throw new InputDataError(`Cannot sample frames of video of post "${ref.postId}": no frames`, {
          modality: "video",
          reason: "no_frames",
          postId: ref.postId,
        });
      }
      const embeddings = await encoder.encode(
        sampled.images.map((img) => ({ ...img, channels: 3 as const })),
      );
      const row = new Float32Array(videoDim(dim));
      row.fill(-Infinity, dim, 2 * dim);
      for (const e of embeddings) {
        for (let k = 0; k < dim; k++) {
          row[k] += e[k] / embeddings.length;
          if (e[k] > row[dim + k]) row[dim + k] = e[k];
        }
      }
      row.set(videoFactsVector(videoFacts(sampled.probe, sampled.images)), 2 * dim);
      await cache.put([{ key, vector: row }]);
      out.vectors.set(ref.sha, row);
      out.computed++;
    } catch (err) {
      out.errors.set(ref.sha, asInputError(err, ref, "video"));
    }
    onDone?.(1);
  }
  return out;
}

export { FeatureCache };
