/**
 * Text in images by OCR (the `ocr` extra), read with Debian's `tesseract` command-line tool.
 *
 * - Install: `apt-get install -y tesseract-ocr tesseract-ocr-eng` (one `tesseract-ocr-<lang>` package per
 *   language pack: `tesseract-ocr-deu`, `tesseract-ocr-fra`, ...).
 * - Each image is preprocessed with sharp first: EXIF rotation, greyscale, contrast stretched, small
 *   images upscaled (tesseract wants text a few dozen pixels high), sent as PNG on tesseract's stdin.
 * - Words tesseract itself is unsure of (confidence below `minConfidence`) and words with fewer than two
 *   letters or digits are dropped: photos without text otherwise give stray letters. An image without
 *   text gives `""`, not an error.
 * - Images run with bounded concurrency (one single-threaded process each) and a timeout per image;
 *   one failed image comes back as its own error and never stops the others.
 *
 * How the text reaches the text encoder ({@linkcode appendImageText}): the post's own text, then one
 * line per image with text, in media order, each starting with the marker `[image text]`:
 *
 * ```
 * Great day at the match!
 * [image text] FINAL SCORE 21
 * [image text] TICKETS
 * ```
 *
 * The stored post is never changed; only the text given to the encoder is.
 *
 * @module
 */
import sharp from "sharp";
import { join } from "node:path";
import type { ImageInput } from "@/core/mod.ts";

/** Id of the extra, part of feature cache keys. */
export const OCR_ID = "tesseract";
/** Bump when the text read changes for the same image (preprocessing, filtering, joining). */
export const OCR_VERSION = "1";
/** Marks each image's text in the text given to the encoder. */
export const IMAGE_TEXT_MARKER = "[image text]";

/** What the OCR reads and how; part of the cache key. */
export interface OcrConfig {
  /** Tesseract language packs (Debian `tesseract-ocr-<lang>`), tried together. @default ["eng"] */
  langs?: string[];
  /** Words with a lower tesseract confidence (0-100) are dropped. @default 60 */
  minConfidence?: number;
  /** Tesseract page segmentation mode (3: automatic; 11, sparse text, reads noise in photos). @default 3 */
  psm?: number;
  /** Images with a shorter long side are upscaled to it (small text reads better). @default 1000 */
  minSide?: number;
}

/** How the OCR runs (not part of the cache key). */
export interface OcrRunOptions extends OcrConfig {
  /** Tesseract processes at once. @default 2 */
  concurrency?: number;
  /** Seconds per image before its tesseract process is killed. @default 30 */
  timeoutSeconds?: number;
  /** The tesseract binary. @default "tesseract" */
  binary?: string;
  /** Pixel limit against decompression bombs. @default 50_000_000 */
  maxPixels?: number;
}

/** One image's outcome: its text (maybe `""`), or why it could not be read. */
export type OcrResult = { text: string } | { error: Error };

/** The config with every default filled in (what cache keys hash). */
export function resolveOcrConfig(config: OcrConfig = {}): Required<OcrConfig> {
  const langs = config.langs ?? ["eng"];
  for (const lang of langs) {
    if (!/^[A-Za-z0-9_]+$/.test(lang)) {
      throw new RangeError(`Cannot configure OCR: language pack "${lang}" is not a tesseract language code`);
    }
  }
  return {
    langs: [...langs],
    minConfidence: config.minConfidence ?? 60,
    psm: config.psm ?? 3,
    minSide: config.minSide ?? 1000,
  };
}

/** Appends each non-empty image text after `text`, a line each, marked with {@linkcode IMAGE_TEXT_MARKER}. */
export function appendImageText(text: string, imageTexts: readonly string[]): string {
  const lines = imageTexts.map((t) => t.trim()).filter((t) => t.length > 0).map((t) =>
    `${IMAGE_TEXT_MARKER} ${t.replace(/\s+/g, " ")}`
  );
  if (lines.length === 0) return text;
  return [text, ...lines].filter((l) => l.length > 0).join("\n");
}

const INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-eng";
const tools = new Map<string, Promise<TesseractInfo>>();

/** The installed tesseract: its version and language packs. */
export interface TesseractInfo {
  version: string;
  langs: string[];
}

async function runTesseract(binary: string, args: string[], stdin?: Uint8Array, timeoutMs = 30_000) {
  let child: Deno.ChildProcess;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    child = new Deno.Command(binary, {
      args,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      // One thread per process: concurrency is bounded by running `concurrency` processes.
      env: { OMP_THREAD_LIMIT: "1" },
      signal,
    }).spawn();
  } catch (err) {
    if (signal.aborted) return { code: -1, signal: null, timedOut: true, stdout: "", stderr: "" };
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot run OCR: the "${binary}" binary is not installed; install it with "${INSTALL}"`,
        { cause: err },
      );
    }
    throw err;
  }
  if (stdin) {
    const w = child.stdin.getWriter();
    // tesseract may exit before reading everything (bad input): its exit status tells why.
    await w.write(stdin).catch(() => {});
    await w.close().catch(() => {});
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    timedOut: signal.aborted,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/**
 * Checks that tesseract and the language packs are installed (cached per binary).
 * @throws {Error} `Cannot run OCR: the "tesseract" binary is not installed; install it with "apt-get ..."`
 */
export async function checkTesseract(
  options: Pick<OcrRunOptions, "binary" | "langs"> = {},
): Promise<TesseractInfo> {
  const binary = options.binary ?? "tesseract";
  let info = tools.get(binary);
  if (!info) {
    info = (async () => {
      const v = await runTesseract(binary, ["--version"]);
      const l = await runTesseract(binary, ["--list-langs"]);
      return {
        version: (v.stdout + v.stderr).match(/tesseract\s+v?([\d.]+)/i)?.[1] ?? "unknown",
        langs: l.stdout.split("\n").slice(1).map((s) => s.trim()).filter((s) => s.length > 0),
      };
    })();
    info.catch(() => tools.delete(binary));
    tools.set(binary, info);
  }
  const found = await info;
  const missing = (options.langs ?? ["eng"]).filter((l) => !found.langs.includes(l));
  if (missing.length > 0) {
    throw new Error(
      `Cannot run OCR: language pack${missing.length > 1 ? "s" : ""} ${
        missing.map((l) => `"${l}"`).join(", ")
      } not installed (installed: ${found.langs.join(", ") || "none"}); install ${
        missing.map((l) => `tesseract-ocr-${l.toLowerCase().replace(/_/g, "-")}`).join(" ")
      } with apt-get`,
    );
  }
  return found;
}

/** Greyscale, contrast-stretched PNG for tesseract, upscaled when small. */
async function ocrInput(image: ImageInput, minSide: number, maxPixels: number): Promise<Uint8Array> {
  const img = typeof image === "string" || image instanceof Uint8Array
    ? sharp(image, { failOn: "warning", limitInputPixels: maxPixels })
    : sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  const rotated = img.rotate();
  const meta = await rotated.metadata();
  const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
  const long = Math.max(w ?? 0, h ?? 0);
  if (!long) throw new TypeError("image has no size");
  const scale = long < minSide ? minSide / long : 1;
  // A min-max stretch: the default percentile stretch blacks out flat backgrounds and the text with them.
  let pipeline = rotated.flatten({ background: "#ffffff" }).greyscale().normalise({ lower: 0, upper: 100 });
  if (scale > 1) {
    pipeline = pipeline.resize(Math.round(w! * scale), Math.round(h! * scale), { kernel: "cubic" });
  }
  return new Uint8Array(await pipeline.png({ compressionLevel: 1 }).toBuffer());
}

/** Tesseract TSV (level 5 rows are words) to text: confident words, one line per text line. */
export function tsvToText(tsv: string, minConfidence: number): string {
  const lines = new Map<string, string[]>();
  for (const row of tsv.split("\n").slice(1)) {
    const f = row.split("\t");
    if (f.length < 12 || f[0] !== "5") continue;
    const word = f.slice(11).join("\t").trim();
    if (!word || Number(f[10]) < minConfidence || (word.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < 2) continue;
    const line = `${f[2]}.${f[3]}.${f[4]}`; // block.paragraph.line
    lines.set(line, [...(lines.get(line) ?? []), word]);
  }
  return [...lines.values()].map((ws) => ws.join(" ")).join("\n");
}

function describe(image: ImageInput): string {
  if (typeof image === "string") return image;
  if (image instanceof Uint8Array) return `<${image.length} bytes>`;
  return `<raw ${image.width}x${image.height}x${image.channels}>`;
}

/**
 * Reads the text in one image; `""` when it has none.
 * @throws {Error} when tesseract is missing, the image cannot be decoded, or tesseract fails or times out.
 */
export async function ocrImage(image: ImageInput, options: OcrRunOptions = {}): Promise<string> {
  const config = resolveOcrConfig(options);
  const binary = options.binary ?? "tesseract";
  await checkTesseract({ binary, langs: config.langs });
  const timeout = (options.timeoutSeconds ?? 30) * 1000;
  let png: Uint8Array;
  try {
    png = await ocrInput(image, config.minSide, options.maxPixels ?? 50_000_000);
  } catch (err) {
    throw new TypeError(`Cannot read text in image "${describe(image)}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  const args = ["stdin", "stdout", "-l", config.langs.join("+"), "--psm", String(config.psm), "tsv"];
  const r = await runTesseract(binary, args, png, timeout);
  if (r.timedOut) {
    throw new Error(
      `Cannot read text in image "${describe(image)}": tesseract took over ${timeout / 1000} s`,
    );
  }
  if (r.code !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    throw new Error(
      `Cannot read text in image "${describe(image)}": tesseract failed (${why}): ${
        r.stderr.trim().slice(-300)
      }`,
    );
  }
  return tsvToText(r.stdout, config.minConfidence);
}

/** Reads the text in each image, `concurrency` at a time; a failure is that image's result, not a throw. */
export async function ocrImages(images: ImageInput[], options: OcrRunOptions = {}): Promise<OcrResult[]> {
  const config = resolveOcrConfig(options);
  // A missing binary or language pack fails the whole call: no image could be read.
  await checkTesseract({ binary: options.binary, langs: config.langs });
  const out = new Array<OcrResult>(images.length);
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const i = next++;
      try {
        out[i] = { text: await ocrImage(images[i], options) };
      } catch (err) {
        out[i] = { error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 2, images.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

/**
 * OCR text by key, kept as JSON-lines part files under `<root>/ocr/` (each write a new part, written to
 * a temp name and renamed, so a killed run leaves no broken file; `compact()` folds them into one).
 * Failures are not stored: they are retried on the next run.
 */
export class OcrCache {
  readonly #index = new Map<string, string>();
  #parts: string[] = [];
  private constructor(readonly dir: string) {}

  static async open(root: string): Promise<OcrCache> {
    const cache = new OcrCache(join(root, "ocr"));
    await Deno.mkdir(cache.dir, { recursive: true });
    const names: string[] = [];
    for await (const e of Deno.readDir(cache.dir)) {
      if (e.isFile && /^part-.+\.jsonl$/.test(e.name)) names.push(e.name);
    }
    cache.#parts = names.sort();
    for (const name of cache.#parts) {
      for (const line of (await Deno.readTextFile(join(cache.dir, name))).split("\n")) {
        if (!line) continue;
        const row = JSON.parse(line) as { key: string; text: string };
        cache.#index.set(row.key, row.text);
      }
    }
    return cache;
  }

  get(key: string): string | undefined {
    return this.#index.get(key);
  }

  get size(): number {
    return this.#index.size;
  }

  /** Part files this instance read or wrote. */
  get parts(): number {
    return this.#parts.length;
  }

  async put(rows: { key: string; text: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#write(rows);
    for (const r of rows) this.#index.set(r.key, r.text);
  }

  /** Folds the parts this instance knows into one (parts other runs add meanwhile are kept). */
  async compact(): Promise<void> {
    if (this.#parts.length <= 1) return;
    const old = [...this.#parts];
    await this.#write([...this.#index].map(([key, text]) => ({ key, text })));
    for (const p of old) await Deno.remove(join(this.dir, p)).catch(() => {});
    this.#parts = this.#parts.filter((p) => !old.includes(p));
  }

  async #write(rows: { key: string; text: string }[]): Promise<void> {
    const name = `part-${Date.now().toString(36).padStart(9, "0")}-${crypto.randomUUID().slice(0, 8)}.jsonl`;
    const tmp = join(this.dir, `.${name}.tmp`);
    await Deno.writeTextFile(tmp, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    await Deno.rename(tmp, join(this.dir, name));
    this.#parts.push(name);
  }
}
