/**
 * Every post's text prepared for the text encoders: normalized (NFKC, URLs/mentions/hashtags kept as
 * tokens), its language identified (the platform's own tag wins when given), and with the ocr extra the
 * text read from its images appended in a marked form (the stored post is untouched).
 *
 * @module
 */
import { featureKey } from "@/features/mod.ts";
import { loadLanguageIdentifier, normalizeText } from "@/preprocess/mod.ts";
import type { BlobStore, DatasetPost } from "@/store/mod.ts";
import { CacheShelf } from "./cache_shelf.ts";
import {
  appendImageText,
  checkTesseract,
  OCR_ID,
  OCR_VERSION,
  ocrImages,
  type OcrRunOptions,
  resolveOcrConfig,
} from "./extras/ocr.ts";
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from "./feature_config.ts";

export interface PreparedText {
  /** Normalized text ("" when the post has none or it was unusable); the ocr extra appends image text. */
  text: string;
  /** Language of the post's own text (image text never changes it). */
  lang: string;
  /** Why the text was set aside. */
  error?: string;
  /** ocr extra: the text read from the post's images, one line per image ("" when they show none). */
  imageText?: string;
  /** ocr extra: why images of the post could not be read (the post keeps everything else). */
  ocrErrors?: string[];
}

/** Where the ocr extra finds a post's images and keeps what it read. */
export interface ImageTextSource {
  blobs: BlobStore;
  /** Feature cache root; OCR text is kept under `<cacheRoot>/ocr/`. */
  cacheRoot: string;
  /** Caches already open under `cacheRoot`, to reuse across calls (a job's batches). */
  caches?: CacheShelf;
  /** How tesseract runs (concurrency, timeout, binary). @default see OcrRunOptions */
  ocr?: Pick<OcrRunOptions, "concurrency" | "timeoutSeconds" | "binary">;
  /** Called with (done, total) images read. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Normalizes every post's text and identifies its language (the platform's own tag wins when given).
 * With the ocr extra on, `media` is required: the text in each post's images is read (through the OCR
 * cache) and appended to the post's text.
 */
export async function prepareTexts(
  posts: DatasetPost[],
  config: FeatureConfig = DEFAULT_FEATURE_CONFIG,
  media?: ImageTextSource,
): Promise<Map<string, PreparedText>> {
  const lid = await loadLanguageIdentifier();
  const out = new Map<string, PreparedText>();
  for (const p of posts) {
    const raw = p.doc.text;
    if (!raw) {
      out.set(p.id, { text: "", lang: "und" });
      continue;
    }
    if (raw.includes("\uFFFD")) {
      out.set(p.id, { text: "", lang: "und", error: "text is not valid UTF-8 (replacement characters)" });
      continue;
    }
    if (raw.length > 100 * config.text.maxChars) {
      out.set(p.id, { text: "", lang: "und", error: `text too long: ${raw.length} characters` });
      continue;
    }
    const norm = normalizeText(raw, { maxChars: config.text.maxChars, onTooLong: "clip" });
    const declared = p.doc.lang?.split(/[-_]/)[0]?.toLowerCase();
    out.set(p.id, { text: norm.text, lang: declared || lid.identify(norm.text).lang });
  }
  if (config.extras?.ocr) {
    if (!media) {
      throw new RangeError(
        'Cannot prepare texts: the "ocr" extra is on but no blob store was given; pass { blobs, cacheRoot }',
      );
    }
    await addImageText(posts, out, config, media);
  }
  return out;
}

/** Reads the text in the posts' images (once per blob, cached) and appends it to their text. */
export async function addImageText(
  posts: DatasetPost[],
  texts: Map<string, PreparedText>,
  config: FeatureConfig,
  media: ImageTextSource,
): Promise<ImageTextStats> {
  const ocrConfig = resolveOcrConfig(config.extras!.ocr);
  const run: OcrRunOptions = { ...ocrConfig, ...media.ocr };
  const tool = await checkTesseract({ binary: run.binary, langs: ocrConfig.langs });
  const cache = await (media.caches ?? new CacheShelf(media.cacheRoot)).ocr();
  const key = (blob: string) =>
    featureKey({ content: blob, encoder: `${OCR_ID}-${tool.version}@${OCR_VERSION}`, config: ocrConfig });
  const read = new Map<string, string>(); // blob -> text
  const failed = new Map<string, string>(); // blob -> why
  const todo: { sha: string; path: string }[] = [];
  const seen = new Set<string>();
  for (const p of posts) {
    for (const m of p.media) {
      if (m.kind !== "image" || !m.blob_sha256 || seen.has(m.blob_sha256)) continue;
      seen.add(m.blob_sha256);
      const hit = cache.get(key(m.blob_sha256));
      if (hit !== undefined) read.set(m.blob_sha256, hit);
      else {
        // A missing blob is reported by the image step; here it just has no text.
        const path = await media.blobs.localPath(m.blob_sha256).catch(() => undefined);
        if (path) todo.push({ sha: m.blob_sha256, path });
      }
    }
  }
  const step = 16;
  for (let i = 0; i < todo.length; i += step) {
    const chunk = todo.slice(i, i + step);
    const results = await ocrImages(chunk.map((t) => t.path), run);
    const rows: { key: string; text: string }[] = [];
    results.forEach((r, k) => {
      if ("text" in r) {
        read.set(chunk[k].sha, r.text);
        rows.push({ key: key(chunk[k].sha), text: r.text });
      } else failed.set(chunk[k].sha, r.error.message);
    });
    await cache.put(rows);
    media.onProgress?.(Math.min(i + step, todo.length), todo.length);
  }
  if (cache.parts > 8) await cache.compact();
  for (const p of posts) {
    const t = texts.get(p.id);
    if (!t) continue;
    const blobs = p.media.filter((m) => m.kind === "image" && m.blob_sha256).map((m) => m.blob_sha256!);
    const lines = blobs.map((b) => read.get(b) ?? "").map((s) =>
      normalizeText(s, { maxChars: config.text.maxChars, onTooLong: "clip" }).text
    );
    const errors = blobs.flatMap((b) => failed.has(b) ? [failed.get(b)!] : []);
    t.imageText = lines.filter((l) => l.length > 0).join("\n");
    if (errors.length > 0) t.ocrErrors = errors;
    // A post whose own text was set aside stays set aside: image text does not stand in for it.
    if (!t.error) t.text = appendImageText(t.text, lines);
  }
  return {
    images: seen.size,
    cache_hits: seen.size - todo.length,
    read: todo.length - failed.size,
    with_text: [...read.values()].filter((x) => x.length > 0).length,
    failed: failed.size,
  };
}

/** What the ocr extra did in one run. */
export interface ImageTextStats {
  /** Distinct images of the posts. */
  images: number;
  cache_hits: number;
  /** Images read by tesseract in this run. */
  read: number;
  /** Images (cached or read) that show text. */
  with_text: number;
  /** Images that could not be read (their posts keep everything else). */
  failed: number;
}
