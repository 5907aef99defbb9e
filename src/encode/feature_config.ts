/**
 * What the feature set computes: per-modality settings, the optional extras, and their defaults. Saved
 * with the model (inside its fitted features), so inference assembles exactly what training did.
 *
 * @module
 */
import type { FeatureExtra } from "@/config/mod.ts";
import { DEFAULT_METADATA_SPEC, type MetadataSpec } from "@/preprocess/mod.ts";
import type { ImageFeatureConfig, VideoFeatureConfig } from "./media_features.ts";
import { type OcrConfig, resolveOcrConfig } from "./extras/ocr.ts";
import type { TextNgramsOptions } from "./text/ngrams.ts";

export interface FeatureConfig {
  text: {
    /** N-grams kept per post (the highest TF-IDF weights). @default 256 */
    maxTokens: number;
    /** Longer texts are clipped. @default 10000 */
    maxChars: number;
    ngrams: TextNgramsOptions;
    /**
     * Hash space of the network's bag: its n-gram ids fold into it (`id mod networkBuckets`, weights of
     * ids that meet summed), so the linear part reads the wide space while the network's embedding table
     * stays small. @default the n-gram hash space (models saved before this setting)
     */
    networkBuckets?: number;
    /**
     * A pretrained sentence encoder (`hf-text:NAME`, a model added with `deno task models add`) whose
     * embeddings join the n-gram bag as a dense input of the network; the linear part keeps reading the
     * bag alone. @default none (n-grams only)
     */
    encoder?: string;
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
  // The linear part reads 2^20 buckets: 2^18 shared by ten languages collided (XED full's held-out train
  // posts: 0.4599 -> 0.4715 weighted F0.5). The network's own figure did not move with the space, so its
  // table keeps 2^18 rows (2^20 there too: 0.4733, at twice training's peak memory).
  text: { maxTokens: 256, maxChars: 10_000, ngrams: { buckets: 1 << 20 }, networkBuckets: 1 << 18 },
  image: { encoder: "mobilenet-v2", size: 224 },
  video: { frames: 8, seed: 7, size: 224 },
  metadata: DEFAULT_METADATA_SPEC,
};

/** `config` with the text encoder `name` (undefined: n-grams only) and, when given, the image encoder. */
export function withEncoders(
  config: FeatureConfig,
  encoders: { text?: string; image?: string },
): FeatureConfig {
  const { encoder: _, ...text } = config.text;
  return {
    ...config,
    text: encoders.text ? { ...text, encoder: encoders.text } : text,
    image: encoders.image ? { ...config.image, encoder: encoders.image } : config.image,
  };
}

/** The n-gram part of the text config: what keys the cached bags (the sentence encoder has its own cache). */
export function ngramConfig(config: FeatureConfig): Omit<FeatureConfig["text"], "encoder"> {
  const { encoder: _, ...rest } = config.text;
  return rest;
}
