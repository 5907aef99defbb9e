/**
 * A faster JPEG decode path: the system's libjpeg-turbo (Debian `libturbojpeg0`) through Deno FFI,
 * decoding straight to the smallest DCT scale (M/8) whose short side still covers the target size.
 *
 * Why: sharp's bundled decoder (mozjpeg) takes ~12 ms of CPU for a 1600x1000 q85 photo at 1/4 scale,
 * libjpeg-turbo ~5.5 ms — the decode is most of the image pipeline's cost. Only plain cases take this
 * path (baseline/progressive YCbCr or grey, no ICC profile or an sRGB one, within the pixel limit,
 * decoded without a single warning); anything else, and any failure, returns `undefined` so the caller
 * uses sharp, which
 * then gives the same result or the same classified error as before. Without the library (or without
 * FFI permission) {@linkcode turboJpegAvailable} is false and nothing changes.
 *
 * @module
 */
import { loadSettings } from "@/config/mod.ts";

const SYMBOLS = {
  tjInitDecompress: { parameters: [], result: "pointer" },
  tjDestroy: { parameters: ["pointer"], result: "i32" },
  tjDecompressHeader3: {
    parameters: ["pointer", "buffer", "u64", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  // Runs on Deno's blocking thread pool, so decodes in flight use every core.
  tjDecompress2: {
    parameters: ["pointer", "buffer", "u64", "buffer", "i32", "i32", "i32", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
} as const;

const LIBRARY_NAMES = ["libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "turbojpeg.dll"];
const TJPF_RGB = 0;
const TJCS_RGB = 0;
const TJCS_YCBCR = 1;
const TJCS_GRAY = 2;
const TJFLAG_STOPONWARNING = 8192;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;
let library: Library | null | undefined;

function open(): Library | null {
  if (library !== undefined) return library;
  library = null;
  if (loadSettings().jpegDecoder === "sharp") return library;
  for (const name of LIBRARY_NAMES) {
    try {
      library = Deno.dlopen(name, SYMBOLS);
      break;
    } catch {
      // not this name, not installed, or no --allow-ffi: sharp decodes everything
    }
  }
  return library;
}

/** True when libjpeg-turbo is loaded, i.e. plain JPEGs take the fast path. */
export function turboJpegAvailable(): boolean {
  return open() !== null;
}

/** Decompressor handles are not thread-safe: one per decode in flight, reused. */
const idleHandles: Deno.PointerValue[] = [];

function acquire(lib: Library): Deno.PointerValue {
  return idleHandles.pop() ?? lib.symbols.tjInitDecompress();
}

/** What the fast path needs to know from the JPEG's marker segments. */
export interface JpegMarkers {
  /** EXIF orientation 1..8 (1 when absent or unreadable). */
  orientation: number;
  /** An embedded ICC profile (APP2 "ICC_PROFILE"). */
  hasIcc: boolean;
  /** The profile describes itself as sRGB: no conversion needed. Any other profile goes to sharp. */
  iccIsSrgb: boolean;
}

/** The description of an ICC profile ("desc" tag, ASCII or multi-localized UTF-16), or "". */
export function iccDescription(icc: Uint8Array): string {
  if (icc.length < 132) return "";
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const ascii = (at: number, length: number) => String.fromCharCode(...icc.subarray(at, at + length));
  const tags = view.getUint32(128);
  for (let i = 0; i < tags && 144 + i * 12 <= icc.length; i++) {
    if (ascii(132 + i * 12, 4) !== "desc") continue;
    const at = view.getUint32(136 + i * 12);
    if (at + 28 > icc.length) return "";
    const type = ascii(at, 4);
    if (type === "desc") return ascii(at + 12, Math.min(view.getUint32(at + 8), icc.length - at - 12));
    if (type === "mluc") {
      const [length, offset] = [view.getUint32(at + 20), view.getUint32(at + 24)];
      const text = icc.subarray(at + offset, Math.min(at + offset + length, icc.length));
      return new TextDecoder("utf-16be").decode(text);
    }
    return "";
  }
  return "";
}

function exifOrientation(bytes: Uint8Array, start: number, end: number): number {
  // APP1: "Exif\0\0" then a TIFF header; IFD0 entries are 12 bytes, tag 0x0112 holds the orientation.
  const tiff = start + 6;
  if (end - tiff < 8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[tiff] === 0x49;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** Reads the segments before the first scan: EXIF orientation and ICC presence. */
export function readJpegMarkers(bytes: Uint8Array): JpegMarkers {
  const markers: JpegMarkers = { orientation: 1, hasIcc: false, iccIsSrgb: false };
  const ascii = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const body = at + 4;
    const end = Math.min(at + 2 + length, bytes.length);
    if (marker === 0xe1 && ascii(body, 6) === "Exif\0\0") {
      markers.orientation = exifOrientation(bytes, body, end);
    }
    if (marker === 0xe2 && ascii(body, 12) === "ICC_PROFILE\0") {
      // One chunk (sequence 1 of 1) holds a whole profile; multi-chunk profiles are never sRGB's few KB.
      const whole = bytes[body + 12] === 1 && bytes[body + 13] === 1;
      markers.hasIcc = true;
      markers.iccIsSrgb = whole && /\bsRGB\b/.test(iccDescription(bytes.subarray(body + 14, end)));
    }
    at += 2 + length;
  }
  return markers;
}

/** A JPEG decoded at a DCT scale: RGB, row-major, plus what still needs applying. */
export interface ScaledJpeg {
  data: Uint8Array;
  width: number;
  height: number;
  orientation: number;
}

/** Smallest M in 1..8 with ceil(short * M / 8) >= size (8 = full size). */
export function dctScale(shortSide: number, size: number): number {
  for (let m = 1; m < 8; m++) if (Math.ceil((shortSide * m) / 8) >= size) return m;
  return 8;
}

/**
 * Decodes a plain JPEG at the smallest DCT scale that keeps the short side >= `size`, or returns
 * `undefined` when the fast path does not apply or fails (the caller then decodes with sharp).
 */
export async function decodeJpegScaled(
  bytes: Uint8Array,
  size: number,
  maxPixels: number,
): Promise<ScaledJpeg | undefined> {
  const lib = open();
  if (lib === null) return undefined;
  const markers = readJpegMarkers(bytes);
  if (markers.hasIcc && !markers.iccIsSrgb) return undefined;
  const handle = acquire(lib);
  try {
    const [width, height, subsampling, colorspace] = [1, 2, 3, 4].map(() => new Int32Array(1));
    const size64 = BigInt(bytes.length);
    if (
      lib.symbols.tjDecompressHeader3(handle, bytes, size64, width, height, subsampling, colorspace) !== 0
    ) {
      return undefined;
    }
    const [w, h] = [width[0], height[0]];
    if (w * h > maxPixels || ![TJCS_YCBCR, TJCS_GRAY, TJCS_RGB].includes(colorspace[0])) return undefined;
    const m = dctScale(Math.min(w, h), size);
    const [sw, sh] = [Math.ceil((w * m) / 8), Math.ceil((h * m) / 8)];
    const data = new Uint8Array(sw * sh * 3);
    const status = await lib.symbols.tjDecompress2(
      handle,
      bytes,
      size64,
      data,
      sw,
      0,
      sh,
      TJPF_RGB,
      TJFLAG_STOPONWARNING,
    );
    if (status !== 0) return undefined;
    return { data, width: sw, height: sh, orientation: markers.orientation };
  } finally {
    idleHandles.push(handle);
  }
}
