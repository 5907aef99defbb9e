/**
 * Stores what a source yields: anonymizes ids, copies media into the blob store, records posts, media and
 * labels in batches. Nothing is lost: an unreadable item is quarantined with where it was and why, a
 * missing media file is recorded on the post (which keeps its other modalities), and the summary adds up:
 * read = stored + duplicates + quarantined + outsideWindow. Reruns are safe: a post already stored
 * (same platform and native id) is a duplicate and is not touched again.
 */
import { createHash } from "node:crypto";
import {
  analyzeTables,
  existingPostIds,
  finishRun,
  insertPosts,
  type InsertResult,
  isDataError,
  type MediaRecord,
  type PostRecord,
  quarantine,
  type QuarantineItem,
  startRun,
  type Store,
  tagNameProblem,
} from "@/store/mod.ts";
import { DEFAULT_MAX_MEDIA_BYTES, MediaRefusedError, openMediaFile } from "./media_file.ts";
import { probeImage, probeVideo } from "./media_probe.ts";
import type { RawMedia, RawPost } from "./raw_post.ts";
import type { SourceItem } from "./source_item.ts";

export interface IngestOptions {
  /** Recorded on every post and quarantine entry, e.g. "sample", "jsonl:posts.jsonl". */
  source: string;
  /** Posts created before this are counted as outside the window and not stored. */
  since?: Date;
  /** Posts per transaction. @default 250 */
  batchSize?: number;
  /** Media files read and probed at once. @default 4 */
  concurrency?: number;
  /** Called after each batch. */
  onProgress?: (summary: IngestSummary) => void;
  /** Parameters recorded on the run. */
  params?: Record<string, unknown>;
  /** Largest media file or download stored; a bigger one is recorded as a media error. @default 512 MiB */
  maxMediaBytes?: number;
}

export interface IngestSummary {
  runId: string;
  read: number;
  stored: number;
  duplicates: number;
  quarantined: number;
  outsideWindow: number;
  /** Media files stored (new or deduplicated) and media that could not be read. */
  media: number;
  mediaFailed: number;
  labels: number;
  /** Quarantine reasons with counts. */
  reasons: Record<string, number>;
}

export async function ingest(
  store: Store,
  items: AsyncIterable<SourceItem>,
  options: IngestOptions,
): Promise<IngestSummary> {
  const batchSize = options.batchSize ?? 250;
  const runId = await startRun(store.db, "ingest", { params: { source: options.source, ...options.params } });
  const s: IngestSummary = {
    runId,
    read: 0,
    stored: 0,
    duplicates: 0,
    quarantined: 0,
    outsideWindow: 0,
    media: 0,
    mediaFailed: 0,
    labels: 0,
    reasons: {},
  };
  const held: QuarantineItem[] = [];
  const hold = (item: Omit<QuarantineItem, "stage" | "source" | "runId">, countsAsPost: boolean) => {
    held.push({ ...item, stage: "ingest", source: options.source, runId });
    if (countsAsPost) s.quarantined++;
    const reason = item.reason.replace(/".*?"/g, '"…"');
    s.reasons[reason] = (s.reasons[reason] ?? 0) + 1;
  };
  let batch: { raw: RawPost; where: string; id: string }[] = [];

  const flush = async () => {
    const ids = batch.map((b) => b.id);
    const existing = await existingPostIds(store.db, ids);
    const fresh = batch.filter((b, i) => !existing.has(b.id) && ids.indexOf(b.id) === i);
    s.duplicates += batch.length - fresh.length;
    const records = await mapPool(
      fresh,
      options.concurrency ?? 4,
      (b) => toRecord(store, b.raw, b.id, options),
    );
    const where = new Map(fresh.map((b) => [b.id, b.where]));
    // A post's media failures are recorded in the transaction that stores it: a kill in between would
    // leave the post stored (a duplicate on the rerun, never looked at again) and its failures unrecorded.
    const mediaHolds = (r: PostRecord): QuarantineItem[] =>
      r.media.filter((m) => m.error).map((m) => ({
        stage: "ingest",
        source: options.source,
        runId,
        item: r.id,
        modality: m.kind,
        reason: m.error!,
        detail: { where: where.get(r.id) },
      }));
    const result = await insertOrSetAside(store, records, mediaHolds);
    const inserted = new Set(result.inserted);
    for (const [i, r] of records.entries()) {
      const refused = result.refused.get(r.id);
      if (refused) {
        hold({ item: fresh[i].where, reason: `cannot store post: ${refused}` }, true);
        continue;
      }
      if (!inserted.has(r.id)) continue;
      s.labels += r.labels?.length ?? 0;
      for (const m of r.media) {
        if (m.blobSha256) s.media++;
        if (m.error) {
          s.mediaFailed++;
          const reason = m.error.replace(/".*?"/g, '"…"');
          s.reasons[reason] = (s.reasons[reason] ?? 0) + 1;
        }
      }
    }
    s.stored += result.inserted.length;
    s.duplicates += result.duplicates.length; // a concurrent run got there first
    await quarantine(store.db, held.splice(0));
    batch = [];
    options.onProgress?.({ ...s });
  };

  try {
    for await (const item of items) {
      s.read++;
      if (item.kind === "skip") {
        // A platform id stays anonymized even in quarantine; file positions are not personal.
        hold({ item: item.where, reason: item.reason }, true);
      } else if (options.since && item.post.createdAt && item.post.createdAt < options.since) {
        s.outsideWindow++;
      } else if (labelProblem(item.post)) {
        hold({ item: item.where, reason: labelProblem(item.post)! }, true);
      } else {
        batch.push({
          raw: item.post,
          where: item.where,
          id: store.anon.post(item.post.platform, item.post.nativeId),
        });
      }
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    await quarantine(store.db, held.splice(0));
  } catch (err) {
    await finishRun(store.db, runId, { status: "failed", summary: { ...s, error: (err as Error).message } });
    throw err;
  }
  if (s.stored > 0) await analyzeTables(store.db); // fresh statistics for the stages that read these rows
  await finishRun(store.db, runId, { status: "succeeded", summary: { ...s } });
  return s;
}

/** Why one of the post's labels cannot be a tag (sources other than the file readers check none). */
function labelProblem(post: RawPost): string | undefined {
  for (const tag of post.labels ?? []) {
    const problem = tagNameProblem(tag);
    if (problem) return `invalid label ${JSON.stringify(tag.slice(0, 80))}: the name ${problem}`;
  }
  return undefined;
}

/**
 * Inserts the batch; when the database refuses it for a value in it, inserts row by row so that only the
 * rows it refuses are set aside (with the database's reason), not the batch.
 */
async function insertOrSetAside(
  store: Store,
  records: PostRecord[],
  holdsOf: (r: PostRecord) => QuarantineItem[],
): Promise<InsertResult & { refused: Map<string, string> }> {
  const refused = new Map<string, string>();
  const store1 = (rs: PostRecord[]) =>
    store.db.transaction(async (tx) => {
      const result = await insertPosts(tx, rs);
      await quarantine(tx, rs.flatMap(holdsOf));
      return result;
    });
  try {
    return { ...await store1(records), refused };
  } catch (err) {
    if (!isDataError(err)) throw err;
  }
  const out: InsertResult = { inserted: [], duplicates: [] };
  for (const r of records) {
    try {
      const one = await store1([r]);
      out.inserted.push(...one.inserted);
      out.duplicates.push(...one.duplicates);
    } catch (err) {
      if (!isDataError(err)) throw err;
      refused.set(r.id, (err as Error).message);
    }
  }
  return { ...out, refused };
}

const HASHTAG = /#([\p{L}\p{N}_]+)/gu;
const MENTION = /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_.]+(?:@[\p{L}\p{N}_.-]+)?)/gu;
const URL_RE = /https?:\/\/[^\s<>"]+/g;

async function toRecord(store: Store, raw: RawPost, id: string, options: IngestOptions): Promise<PostRecord> {
  const media: MediaRecord[] = [];
  for (const [position, m] of raw.media.entries()) {
    media.push(await storeMedia(store, m, position, options.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES));
  }
  const text = raw.text ?? undefined;
  const hash = createHash("sha256").update(text ?? "");
  for (const m of media) hash.update(`\u0000${m.blobSha256 ?? ""}`);
  return {
    id,
    platform: raw.platform,
    source: options.source,
    createdAt: raw.createdAt,
    split: raw.split,
    doc: {
      text,
      lang: raw.lang,
      hashtags: text ? [...text.matchAll(HASHTAG)].map((m) => m[1].toLowerCase()) : [],
      // Mentions name people: keep how many, not who.
      mentions: text ? [...text.matchAll(MENTION)].map(() => "@user") : [],
      urls: text ? [...text.matchAll(URL_RE)].map((m) => m[0]) : [],
    },
    userId: raw.user.id ? store.anon.user(raw.platform, raw.user.id) : undefined,
    userFollowers: raw.user.followers,
    userFollowing: raw.user.following,
    userPosts: raw.user.posts,
    userVerified: raw.user.verified,
    userCreatedAt: raw.user.createdAt,
    device: raw.device,
    extra: raw.extra,
    contentHash: hash.digest("hex"),
    media,
    labels: raw.labels?.map((tag) => ({ tag, annotator: raw.annotator ?? "source" })),
  };
}

async function storeMedia(
  store: Store,
  m: RawMedia,
  position: number,
  maxBytes: number,
): Promise<MediaRecord> {
  const base: MediaRecord = { position, kind: m.kind, mime: m.mime, alt: m.alt };
  let put;
  try {
    if (m.bytes) {
      if (m.bytes.byteLength > maxBytes) {
        return { ...base, error: `media has ${m.bytes.byteLength} bytes, more than the cap of ${maxBytes}` };
      }
      put = await store.blobs.put(m.bytes);
    } else if (m.path) {
      if (!m.root) return { ...base, error: `media path "${m.path}" has no import folder to confine it to` };
      const { file } = await openMediaFile(m.path, m.root, { maxBytes });
      try {
        put = await store.blobs.putStream(file.readable, { maxBytes });
      } finally {
        try {
          file.close();
        } catch { /* closed by its stream */ }
      }
    } else return { ...base, error: `media not downloaded: "${m.url ?? "no location"}"` };
  } catch (err) {
    const what = m.path ?? "bytes";
    const reason = err instanceof Deno.errors.NotFound || err instanceof MediaRefusedError
      ? (err as Error).message
      : `cannot read media "${what}": ${(err as Error).message}`;
    return { ...base, error: reason };
  }
  if (put.size === 0) return { ...base, blobSha256: put.sha256, bytes: 0, error: "empty media file" };
  const facts = m.kind === "image"
    ? await probeImage(m.bytes ?? await store.blobs.get(put.sha256))
    : await probeVideo(await store.blobs.localPath(put.sha256));
  return { ...base, ...facts, mime: facts.mime ?? m.mime, blobSha256: put.sha256, bytes: put.size };
}

async function mapPool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
