/** The feature caches a job keeps open across batches (opening one reads all its Arrow files). */
import { FeatureCache } from "@/features/mod.ts";
import { OcrCache } from "./extras/ocr.ts";

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

/** A cache name made of an encoder id. */
export const safe = (id: string) => id.replace(/[^\w.@:+-]/g, "_");
