/**
 * Decodes and resizes {@linkcode ImageInput}s with sharp into square RGB pixel buffers, the shared first
 * step of the image encoders.
 *
 * @module
 */
import sharp from "sharp";
import type { ImageInput } from "@/core/mod.ts";

/** Options of {@linkcode toRgbSquare}. */
export interface RgbSquareOptions {
  /** How the image is fitted into the square: `"cover"` crops the centre, `"fill"` stretches. @default "cover" */
  fit?: "cover" | "fill" | "contain";
}

function describe(input: ImageInput): string {
  if (typeof input === "string") return input;
  if (input instanceof Uint8Array) return `<${input.length} bytes>`;
  return `<raw ${input.width}x${input.height}x${input.channels}>`;
}

/**
 * Decodes `input` into `size` x `size` RGB pixels (HWC, 8-bit), flattening alpha onto black.
 * Raw RGB pixels of the right size pass through untouched.
 */
export async function toRgbSquare(
  input: ImageInput,
  size: number,
  options: RgbSquareOptions = {},
): Promise<Uint8Array> {
  const { fit = "cover" } = options;
  if (typeof input === "object" && !(input instanceof Uint8Array)) {
    if (input.data.length !== input.width * input.height * input.channels) {
      throw new RangeError(
        `Cannot read raw image ${describe(input)}: expected ${
          input.width * input.height * input.channels
        } bytes, got ${input.data.length}`,
      );
    }
    if (input.channels === 3 && input.width === size && input.height === size) return input.data;
  }
  try {
    const img = typeof input === "string" || input instanceof Uint8Array
      ? sharp(input, { failOn: "none" })
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } });
    const { data, info } = await img
      .rotate() // honour EXIF orientation
      .flatten({ background: "#000000" })
      .toColourspace("srgb")
      .resize(size, size, { fit, kernel: "linear", position: "centre" })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new TypeError(`got ${info.channels} channels after conversion`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TypeError(`Cannot decode image "${describe(input)}": ${reason}`);
  }
}

/**
 * Packs `images` (each `size*size*3` RGB bytes) into one float batch scaled to [0, 1], either
 * NHWC (`[n, size, size, 3]`) or NCHW (`[n, 3, size, size]`).
 */
export function packBatch(images: Uint8Array[], size: number, layout: "nhwc" | "nchw"): Float32Array {
  const plane = size * size;
  const out = new Float32Array(images.length * plane * 3);
  const k = 1 / 255;
  for (let n = 0; n < images.length; n++) {
    const src = images[n];
    const base = n * plane * 3;
    if (layout === "nhwc") {
      for (let i = 0; i < plane * 3; i++) out[base + i] = src[i] * k;
    } else {
      for (let p = 0, s = 0; p < plane; p++, s += 3) {
        out[base + p] = src[s] * k;
        out[base + plane + p] = src[s + 1] * k;
        out[base + 2 * plane + p] = src[s + 2] * k;
      }
    }
  }
  return out;
}

/**
 * Packs `images` (each `size*size*3` RGB bytes) as they are, NHWC, into one buffer of 32-bit words (4
 * bytes each, little-endian: what the `"nhwc-u8"` MobileNetV2 graph reads); no float conversion.
 */
export function packBytes(images: Uint8Array[], size: number): Uint32Array {
  const per = size * size * 3;
  if (per % 4 !== 0) throw new RangeError(`Cannot pack ${size}x${size} RGB images into 32-bit words`);
  const out = new Uint8Array(images.length * per);
  for (let n = 0; n < images.length; n++) out.set(images[n], n * per);
  return new Uint32Array(out.buffer);
}
