/**
 * Ingest: posts in from files (sample corpus JSONL, CSV, GoEmotions, labels-only files) and platform
 * connectors (Mastodon, Bluesky) into the store, with their media as blobs, inside the 24-month window;
 * and the labeling queue the notebooks and annotators use.
 *
 * @module
 */
export * from "./raw_post.ts";
export * from "./ingest.ts";
export * from "./jsonl.ts";
export * from "./sources.ts";
export * from "./window.ts";
export * from "./labels_file.ts";
export * from "./label_queue.ts";
export * from "./corpus_stats.ts";
// The guarded ffprobe and child processes, which preprocessing uses too.
export * from "./ffprobe.ts";
export { DEFAULT_MAX_MEDIA_BYTES, MediaRefusedError, openMediaFile } from "./media_file.ts";
export {
  type ConnectorItem,
  type CursorStore,
  fileCursorStore,
  isSkippedItem,
  memoryCursorStore,
} from "./connector.ts";
export * from "./connector_source.ts";
export { blueskyPosts } from "./bluesky.ts";
export { htmlToText, mastodonPosts } from "./mastodon.ts";
