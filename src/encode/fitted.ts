/**
 * What is fitted on the training posts and travels with the model: the n-gram IDF and the metadata
 * transform, saved as the model folder's features.json.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { RawPost } from "@/ingest/mod.ts";
import { fitMetadataTransform, type MetadataTransform, postMetadataRow } from "@/preprocess/mod.ts";
import type { DatasetPost } from "@/store/mod.ts";
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from "./feature_config.ts";
import type { PreparedText } from "./texts.ts";
import { TextNgramsEncoder, type TextNgramsState } from "./text/ngrams.ts";

/** What is fitted on the training posts and travels with the model. */
export interface FittedFeatures {
  config: FeatureConfig;
  ngrams: TextNgramsState;
  metadata: MetadataTransform;
  /** The sentence encoder the model was trained with (`config.text.encoder`), checked when it scores. */
  textEncoder?: EncoderRecord;
}

/** What a run records of an encoder: its name, id and version, width, where it ran, its files' sha256. */
export interface EncoderRecord {
  /** As the feature config names it, e.g. `"hf-text:minilm"`. */
  name: string;
  /** `id@version`: what keys its cached vectors. */
  id: string;
  dim: number;
  runtime?: string;
  /** path → sha256 (models added with `deno task models add`). */
  files?: Record<string, string>;
}

/** The record of a loaded encoder named `name`. */
export function encoderRecord(
  name: string,
  e: { id: string; version: string; dim: number; runtime?: string; files?: Readonly<Record<string, string>> },
): EncoderRecord {
  return {
    name,
    id: `${e.id}@${e.version}`,
    dim: e.dim,
    ...(e.runtime ? { runtime: e.runtime } : {}),
    ...(e.files ? { files: { ...e.files } } : {}),
  };
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
  options: {
    /** The sentence encoder loaded for `config.text.encoder`. @default none */
    textEncoder?: EncoderRecord;
  } = {},
): FittedFeatures {
  const trainTexts = train.map((p) => texts.get(p.id)?.text ?? "").filter((t) => t.length > 0);
  const ngrams = TextNgramsEncoder.fit(trainTexts, config.text.ngrams).toJSON();
  const folded = config.text.networkBuckets;
  if (
    folded !== undefined && !(Number.isInteger(folded) && folded >= 2 && folded <= ngrams.options.buckets)
  ) {
    throw new RangeError(
      `Cannot use text.networkBuckets "${folded}": expected an integer in [2, ${ngrams.options.buckets}] (the n-gram hash space)`,
    );
  }
  const metadata = fitMetadataTransform(
    train.map((p) => metadataRow(p, texts.get(p.id)?.lang ?? "und")),
    config.metadata,
  );
  return options.textEncoder
    ? { config, ngrams, metadata, textEncoder: options.textEncoder }
    : { config, ngrams, metadata };
}

export async function saveFitted(dir: string, fitted: FittedFeatures): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "features.json"), JSON.stringify(fitted));
}

export async function loadFitted(dir: string): Promise<FittedFeatures> {
  return JSON.parse(await Deno.readTextFile(join(dir, "features.json")));
}

/** The hash space of the network's bag (see `text.networkBuckets`). */
export function networkBuckets(fitted: FittedFeatures): number {
  return fitted.config.text.networkBuckets ?? fitted.ngrams.options.buckets;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** The n-gram encoder of a fitted state and the hash that keys its rows: built once per state. */
const ngramsOf = new WeakMap<FittedFeatures, { encoder: TextNgramsEncoder; idfHash: string }>();
export function fittedNgrams(fitted: FittedFeatures) {
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
