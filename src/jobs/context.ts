/**
 * What a worker process holds across jobs: the store, image encoders and models loaded once (a GPU
 * worker keeps its encoder warm), and the feature cache folders opened once and reread when another
 * worker may have added to them.
 */
import { join } from "node:path";
import type { Settings } from "@/config/mod.ts";
import {
  CacheShelf,
  createEncoder,
  encoderOptions,
  type ImageEmbedder,
  type TextEmbedder,
} from "@/encode/mod.ts";
import { type BatchScorer, openBatchScorer } from "@/infer/mod.ts";
import type { Store } from "@/store/mod.ts";

export interface JobContext {
  store: Store;
  settings: Settings;
  /** The image encoder by id, created on first use. */
  encoder(id: string): Promise<ImageEmbedder>;
  /** The sentence encoder a feature config names (`hf-text:NAME`), created on first use. */
  textEncoder(name: string): Promise<TextEmbedder>;
  /** A model version's scorer, loaded on first use. */
  scorer(version: string): Promise<BatchScorer>;
  /** This worker's feature caches (DATA_DIR/features: shared or its own, see the README). */
  caches(): CacheShelf;
  close(): Promise<void>;
}

export function jobContext(
  store: Store,
  settings: Settings,
  options: { imageEncoder?: ImageEmbedder } = {},
): JobContext {
  const encoders = new Map<string, Promise<ImageEmbedder & { close?(): Promise<void> }>>();
  const textEncoders = new Map<string, Promise<TextEmbedder & { close(): Promise<void> }>>();
  const scorers = new Map<string, Promise<BatchScorer>>();
  const root = join(settings.dataDir, "features");
  let shelf = new CacheShelf(root);
  let opened = Date.now();
  return {
    store,
    settings,
    encoder(id) {
      if (options.imageEncoder) return Promise.resolve(options.imageEncoder);
      return openOnce(encoders, id, () => createEncoder("image", id, encoderOptions(settings)));
    },
    textEncoder(name) {
      return openOnce(textEncoders, name, () => createEncoder("text", name, encoderOptions(settings)));
    },
    scorer(version) {
      return openOnce(scorers, version, () => openBatchScorer(store.db, settings, version, options));
    },
    caches() {
      // Reopened after a while so rows other workers wrote to a shared folder are seen (a stale shelf
      // only costs recomputation: same key, same vector).
      if (Date.now() - opened > 30_000) {
        shelf = new CacheShelf(root);
        opened = Date.now();
      }
      return shelf;
    },
    async close() {
      for (const s of scorers.values()) await (await s.catch(() => undefined))?.close();
      for (const e of encoders.values()) await (await e.catch(() => undefined))?.close?.();
      for (const e of textEncoders.values()) await (await e.catch(() => undefined))?.close();
    },
  };
}

/** The value opened for `key`, opened on first use; a failed open is forgotten, so the next job retries. */
function openOnce<T>(opened: Map<string, Promise<T>>, key: string, open: () => Promise<T>): Promise<T> {
  let p = opened.get(key);
  if (!p) {
    p = open();
    p.catch(() => opened.delete(key));
    opened.set(key, p);
  }
  return p;
}
