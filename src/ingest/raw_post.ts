/**
 * The one shape every source (sample generator, JSONL/CSV importers, GoEmotions, Mastodon, Bluesky)
 * produces before storage. The store anonymizes `nativeId` and `user.id`; nothing here is stored in clear.
 */

/** A media attachment: exactly one of `path` (local file), `url` (to download) or `bytes` is set. */
export interface RawMedia {
  kind: "image" | "video";
  /** Local file path, relative paths resolve against the importer's base folder. */
  path?: string;
  /**
   * The folder `path` must stay inside once symlinks are resolved. The file importers set it (the import
   * file's folder, or their `mediaRoot`); ingest refuses a path without one.
   */
  root?: string;
  /** Remote URL; connectors download it into the blob store. */
  url?: string;
  /** Bytes already in memory. */
  bytes?: Uint8Array;
  /** MIME type when the source declares it; sniffed otherwise. */
  mime?: string;
  /** Alt text the author wrote, kept as signal. */
  alt?: string;
}

/** Author features as the platform reports them (all optional: feeds are incomplete). */
export interface RawUser {
  /** Platform user id; anonymized before storage. */
  id?: string;
  followers?: number;
  following?: number;
  posts?: number;
  verified?: boolean;
  /** Account creation time, for account age. */
  createdAt?: Date;
}

export interface RawPost {
  /** e.g. "mastodon", "bluesky", "sample", "goemotions", or an importer's declared platform. */
  platform: string;
  /** The platform's own id; anonymized with HMAC before storage. */
  nativeId: string;
  /** Absent only for sources without times (GoEmotions); platform posts always have one. */
  createdAt?: Date;
  text?: string;
  /** Language declared by the platform (BCP 47), if any; language id runs later anyway. */
  lang?: string;
  media: RawMedia[];
  user: RawUser;
  /** Client or device, e.g. "iPhone", "Android", "web". */
  device?: string;
  /** Other platform fields worth keeping (counts, visibility, reply flags). */
  extra?: Record<string, unknown>;
  /** Ground-truth tags when the source is labeled. */
  labels?: string[];
  /** Annotator of `labels`. @default "source" */
  annotator?: string;
  /** Split assigned by the source (GoEmotions ships train/dev/test). */
  split?: "train" | "dev" | "test";
}
