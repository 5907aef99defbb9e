import { DEFAULT_WINDOW } from "@/ingest/mod.ts";

/** The training defaults, in one place: scripts and notebooks leave an option out to get these. */
export const TRAIN_DEFAULTS = {
  /** The product's moving window of labeled posts. */
  window: DEFAULT_WINDOW,
  /** Split, fold and network seed. */
  seed: 7,
  /** Most network epochs; early stopping usually ends sooner. */
  epochs: 30,
} as const;
