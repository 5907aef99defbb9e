/**
 * Image preprocessing: bytes (or a file) in, a normalized Float32Array in the layout an encoder declares.
 *
 * Pipeline (libvips through sharp, one pass): decode (JPEG, PNG, WebP, GIF first frame, AVIF, TIFF) with a
 * pixel limit against decompression bombs -> EXIF orientation -> resize the short side to `size` and
 * centre-crop to `size` x `size` (JPEG shrink-on-load kicks in because nothing precedes the resize) ->
 * alpha flattened onto a background -> sRGB, 3 channels (grayscale expanded, CMYK converted) -> uint8 HWC
 * -> `(pixel * scale - mean) / std` per channel into NHWC or NCHW.
 * Plain JPEGs decode through the system's libjpeg-turbo when it is installed (twice as fast as sharp's
 * bundled decoder, see `_turbojpeg.ts`); the orientation, resize and crop then run in sharp as above.
 *
 * Bad input throws {@linkcode InputDataError} with `modality: "image"` and a `reason` code.
 *
 * @module
 */
import sharp, { type OutputInfo, type Sharp } from "sharp";
import type { ImageSource, RgbImage } from "@/core/mod.ts";
import { InputDataError } from "./errors.ts";
import { mapOrdered } from "./_pool.ts";
import { decodeJpegScaled, type ScaledJpeg } from "./_turbojpeg.ts";
import { type ImageSpec, normalizeRgb } from "./image/normalize.ts";

export { IMAGENET_NORM, type ImageSpec, type Layout, normalizeRgb, UNIT_RANGE } from "./image/normalize.ts";

/** Options shared by the decoding functions. */
export interface DecodeOptions {
  /** Colour that transparent pixels are flattened onto (CSS colour). @default "#ffffff" */
  background?: string;
  /** Refuse images with more pixels than this (decompression bombs). @default 50_000_000 */
  maxPixels?: number;
  /** Name used in error messages; defaults to the path, or "N bytes". */
  name?: string;
  /** Post id attached to any {@linkcode InputDataError}. */
  postId?: string;
  /**
   * Decoder strictness (sharp's `failOn`): `"warning"` rejects corrupt entropy-coded data that libjpeg
   * would otherwise paint as grey blocks; `"error"` or `"truncated"` accept more damaged files.
   * @default "warning"
   */
  failOn?: "none" | "truncated" | "error" | "warning";
}

/** Formats accepted as input. */
export const SUPPORTED_IMAGE_FORMATS: readonly string[] = ["jpeg", "png", "webp", "gif", "avif", "tiff"];

const DEFAULT_BACKGROUND = "#ffffff";
const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Names the container format from the first bytes, or returns `undefined` when unknown.
 * Recognises the supported formats and a few common unsupported ones (heic, bmp, svg, pdf, ...).
 */
export function sniffImageFormat(bytes: Uint8Array): string | undefined {
  const b = bytes;
  const ascii = (start: number, end: number) => String.fromCharCode(...b.subarray(start, end));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === "PNG") return "png";
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if (b.length >= 4 && ascii(0, 4).startsWith("GIF8")) return "gif";
  if (b.length >= 4 && (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*")) return "tiff";
  if (b.length >= 12 && ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (brand === "avif" || brand === "avis") return "avif";
    if (["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].includes(brand)) return "heic";
    return "mp4"; // an ISO-BMFF video, not an image
  }
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "bmp";
  if (b.length >= 4 && ascii(0, 4) === "%PDF") return "pdf";
  if (b.length >= 4 && ascii(0, 4) === "8BPS") return "psd";
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return "ico";
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) return "jxl";
  if (b.length >= 12 && ascii(4, 8) === "jP  ") return "jp2";
  const head = new TextDecoder().decode(b.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "svg";
  return undefined;
}

/** True when a file of a format with an end marker lacks it (cut short in transfer). */
function missingEndMarker(bytes: Uint8Array, format: string): boolean {
  const n = bytes.length;
  if (format === "jpeg") {
    // Some encoders pad after EOI; look for it near the end.
    const tail = bytes.subarray(Math.max(0, n - 64));
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
    return true;
  }
  if (format === "png") return n < 12 || String.fromCharCode(...bytes.subarray(n - 8, n - 4)) !== "IEND";
  if (format === "gif") return bytes[n - 1] !== 0x3b;
  return false;
}

function classifyDecodeError(error: unknown, bytes: Uint8Array, format: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return "too_large";
  if (missingEndMarker(bytes, format)) return "truncated";
  if (/premature end of jpeg image|unexpected end|end of file|bad seek|truncated/i.test(message)) {
    return "truncated";
  }
  return "corrupt";
}

const REASON_TEXT: Record<string, string> = {
  too_large: "too many pixels",
  truncated: "truncated data",
  corrupt: "corrupt data",
};

function fail(name: string, reason: string, detail: string, options: DecodeOptions, cause?: unknown): never {
  throw new InputDataError(`Cannot decode image "${name}": ${detail}`, {
    modality: "image",
    reason,
    postId: options.postId,
    cause,
  });
}

async function readSource(source: ImageSource, options: DecodeOptions): Promise<[Uint8Array, string]> {
  if (typeof source !== "string") return [source, options.name ?? `${source.length} bytes`];
  const name = options.name ?? source;
  try {
    return [await Deno.readFile(source), name];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) fail(name, "missing", "file not found", options, error);
    throw error;
  }
}

/** Checks the bytes are a non-empty supported image; returns [bytes, name, format]. */
async function openChecked(
  source: ImageSource,
  options: DecodeOptions,
): Promise<[Uint8Array, string, string]> {
  const [bytes, name] = await readSource(source, options);
  if (bytes.length === 0) fail(name, "empty", "empty file (0 bytes)", options);
  const format = sniffImageFormat(bytes);
  if (format === undefined) fail(name, "unsupported_format", 'unsupported format "unknown"', options);
  if (!SUPPORTED_IMAGE_FORMATS.includes(format)) {
    fail(name, "unsupported_format", `unsupported format "${format}"`, options);
  }
  return [bytes, name, format];
}

function loader(bytes: Uint8Array, options: DecodeOptions): Sharp {
  return sharp(bytes, {
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    failOn: options.failOn ?? "warning",
    animated: false, // GIF/WebP: first frame only
  });
}

async function runDecode<T>(
  bytes: Uint8Array,
  name: string,
  format: string,
  options: DecodeOptions,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const reason = classifyDecodeError(error, bytes, format);
    const message = error instanceof Error ? error.message.split("\n").at(-1)?.trim() : String(error);
    fail(name, reason, `${REASON_TEXT[reason]} in ${format} (${message})`, options, error);
  }
}

/**
 * Decodes an image to `size` x `size` RGB: EXIF orientation applied, short side resized to `size`,
 * centre-cropped, alpha flattened onto `background`, converted to 3-channel sRGB.
 */
export async function decodeRgb(
  source: ImageSource,
  size: number,
  options: DecodeOptions = {},
): Promise<RgbImage> {
  checkSize(size);
  const [bytes, name, format] = await openChecked(source, options);
  if (format === "jpeg") {
    const scaled = await decodeJpegScaled(bytes, size, options.maxPixels ?? DEFAULT_MAX_PIXELS);
    if (scaled !== undefined) return orientAndCrop(scaled, size);
  }
  const { data, info } = await runDecode(bytes, name, format, options, () =>
    loader(bytes, options)
      .rotate() // EXIF orientation; sharp keeps JPEG shrink-on-load with it
      .resize(size, size, { fit: "cover", position: "centre" })
      .flatten({ background: options.background ?? DEFAULT_BACKGROUND })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true }));
  return toRgbImage(data, info, name);
}

/** EXIF orientation as sharp operations (checked against sharp's auto-orient for all eight). */
const ORIENT: Record<number, (image: Sharp) => Sharp> = {
  2: (image) => image.flop(),
  3: (image) => image.rotate(180),
  4: (image) => image.flip(),
  5: (image) => image.rotate(270).flop(),
  6: (image) => image.rotate(90),
  7: (image) => image.rotate(90).flop(),
  8: (image) => image.rotate(270),
};

async function orientAndCrop(scaled: ScaledJpeg, size: number): Promise<RgbImage> {
  const raw = sharp(scaled.data, { raw: { width: scaled.width, height: scaled.height, channels: 3 } });
  const { data, info } = await (ORIENT[scaled.orientation]?.(raw) ?? raw)
    .resize(size, size, { fit: "cover", position: "centre" })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  return toRgbImage(data, info, "scaled jpeg");
}

/**
 * Resizes (short side) and centre-crops an RGB image to `size` x `size`, the same geometry as
 * {@linkcode decodeRgb}; used for video frames that ffmpeg already scaled close to the target.
 */
export async function resizeRgb(image: RgbImage, size: number): Promise<RgbImage> {
  checkSize(size);
  if (image.width === size && image.height === size) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(size, size, { fit: "cover", position: "centre" })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  return toRgbImage(data, info, "raw frame");
}

function toRgbImage(data: Uint8Array, info: OutputInfo, name: string): RgbImage {
  if (info.channels !== 3) {
    throw new Error(`Cannot convert image "${name}" to RGB: got "${info.channels}" channels`);
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 3,
  };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Cannot resize image: size must be a positive integer, got "${size}"`);
  }
}

/** Decodes, resizes, crops and normalizes one image for an encoder with input contract `spec`. */
export async function preprocessImage(
  source: ImageSource,
  spec: Readonly<ImageSpec>,
  options: DecodeOptions = {},
): Promise<Float32Array> {
  return normalizeRgb(await decodeRgb(source, spec.size, options), spec);
}

/** One input of {@linkcode preprocessImages}: an image file under the caller's key. */
export interface KeyedImage {
  /** Caller's key (e.g. the post id); passed back with the result and put on errors. */
  id: string;
  source: ImageSource;
}

/** One output of {@linkcode preprocessImages}: the tensor, or the reason it was set aside. */
export type ImageResult =
  | { id: string; ok: true; data: Float32Array }
  | { id: string; ok: false; error: InputDataError };

/** Options for {@linkcode preprocessImages}. */
export interface PreprocessImagesOptions extends Omit<DecodeOptions, "name" | "postId"> {
  /**
   * Images in flight at once. Each runs on libuv's threadpool (libvips), so 2x the core count keeps
   * both cores busy while JavaScript normalizes the previous results. @default 4
   */
  concurrency?: number;
}

/**
 * Preprocesses a stream of images with bounded concurrency, yielding results in input order.
 * Bad images come out as `{ ok: false, error }` (an {@linkcode InputDataError} carrying the input id as
 * `postId`) so one bad post never stops the batch; other errors are thrown. Memory stays bounded by
 * `concurrency` images: inputs are pulled lazily from the (async) iterable.
 */
export function preprocessImages(
  inputs: Iterable<KeyedImage> | AsyncIterable<KeyedImage>,
  spec: Readonly<ImageSpec>,
  options: PreprocessImagesOptions = {},
): AsyncGenerator<ImageResult> {
  const { concurrency = 4, ...decode } = options;
  return mapOrdered(inputs, concurrency, async ({ id, source }): Promise<ImageResult> => {
    try {
      return { id, ok: true, data: await preprocessImage(source, spec, { ...decode, postId: id }) };
    } catch (error) {
      if (error instanceof InputDataError) return { id, ok: false, error };
      throw error;
    }
  });
}

/** Options for {@linkcode imageThumbnail}. */
export interface ThumbnailOptions extends DecodeOptions {
  /** Longest side in pixels; smaller images are not enlarged. @default 256 */
  size?: number;
  /** Output format. @default "jpeg" */
  format?: "jpeg" | "png" | "webp";
  /** Quality for jpeg/webp. @default 80 */
  quality?: number;
}

/** A small upright thumbnail (fits in `size` x `size`, aspect kept) for notebooks and the dashboard. */
export async function imageThumbnail(
  source: ImageSource,
  options: ThumbnailOptions = {},
): Promise<Uint8Array> {
  const { size = 256, format = "jpeg", quality = 80 } = options;
  checkSize(size);
  const [bytes, name, inputFormat] = await openChecked(source, options);
  const data = await runDecode(bytes, name, inputFormat, options, () => {
    const pipeline = loader(bytes, options)
      .rotate()
      .resize(size, size, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: options.background ?? DEFAULT_BACKGROUND })
      .toColourspace("srgb");
    const encoded = format === "png"
      ? pipeline.png()
      : format === "webp"
      ? pipeline.webp({ quality })
      : pipeline.jpeg({ quality, mozjpeg: false });
    return encoded.toBuffer();
  });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
