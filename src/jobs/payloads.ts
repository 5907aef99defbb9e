/** What each queue's jobs carry (JSON in the engine's job table). `about` names the work in listings. */
import type { FeatureConfig } from "@/encode/mod.ts";

/** ingest: items [skip, skip + take) of a file source (`jsonl:PATH`, `csv:PATH`, `sample`). */
export interface IngestChunk {
  source: string;
  skip: number;
  take: number;
  about: string;
}

/** preprocess (texts, language, ocr) and encode (media through the image encoder) of some posts. */
export interface PostBatch {
  runId: string;
  ids: string[];
  config: FeatureConfig;
  about: string;
}

/** The last step of a preprocess run, after all its batches: records the run's figures. */
export interface PreprocessFinish {
  runId: string;
  finish: true;
  about: string;
}

/** infer: score some posts of a run's sample with its model. */
export interface InferBatch {
  runId: string;
  model: string;
  ids: string[];
  about: string;
}

/** trends: after every batch of an inference run, rebuild the aggregates of its period. */
export interface TrendsRefresh {
  runId: string;
  from: string;
  to: string;
  about: string;
}

/** infer, from the engine's cron (`deno task jobs schedule`): plan a run and send its batches. */
export interface InferStart {
  start: true;
  since: string;
  sample?: number;
  seed?: number;
  model?: string;
  about: string;
}
