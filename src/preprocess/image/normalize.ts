/**
 * An encoder's input contract ({@linkcode ImageSpec}: size, layout, per-channel mean and std) and the
 * normalization of RGB pixels into it, through per-channel lookup tables.
 *
 * @module
 */
import type { RgbImage } from "@/core/mod.ts";

/** Tensor layout of one image: channels last (`nhwc`, tfjs) or channels first (`nchw`, PyTorch/ONNX). */
export type Layout = "nhwc" | "nchw";

/** An encoder's input contract: `value = (pixel * scale - mean[c]) / std[c]`, pixel in 0..255. */
export interface ImageSpec {
  /** Output side in pixels (square). */
  size: number;
  layout: Layout;
  /** Per-channel mean, RGB order, subtracted after scaling. */
  mean: readonly [number, number, number];
  /** Per-channel standard deviation, RGB order. */
  std: readonly [number, number, number];
  /** Multiplier applied to the 0..255 pixel first, usually 1/255. */
  scale: number;
}

function frozen(spec: ImageSpec): Readonly<ImageSpec> {
  return Object.freeze(spec);
}

/** ImageNet statistics (torchvision, most ONNX vision encoders), 224 x 224, NHWC. */
export const IMAGENET_NORM: Readonly<ImageSpec> = frozen({
  size: 224,
  layout: "nhwc",
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  scale: 1 / 255,
});

/** Pixels in [0, 1], 224 x 224, NHWC: what the nsfwjs MobileNetV2 expects. */
export const UNIT_RANGE: Readonly<ImageSpec> = frozen({
  size: 224,
  layout: "nhwc",
  mean: [0, 0, 0],
  std: [1, 1, 1],
  scale: 1 / 255,
});

const lutCache = new WeakMap<Readonly<ImageSpec>, Float32Array[]>();

function channelLuts(spec: Readonly<ImageSpec>): Float32Array[] {
  let luts = lutCache.get(spec);
  if (luts === undefined) {
    luts = [0, 1, 2].map((c) => {
      if (!(spec.std[c] > 0)) {
        throw new RangeError(`Cannot normalize image: std[${c}] must be positive, got "${spec.std[c]}"`);
      }
      const lut = new Float32Array(256);
      for (let p = 0; p < 256; p++) lut[p] = (p * spec.scale - spec.mean[c]) / spec.std[c];
      return lut;
    });
    lutCache.set(spec, luts);
  }
  return luts;
}

/**
 * Normalizes an RGB image into a Float32Array of `height * width * 3` values in `spec.layout`:
 * `(pixel * scale - mean[c]) / std[c]`. Pure; the image may be any size (`spec.size` is not checked).
 */
export function normalizeRgb(image: RgbImage, spec: Readonly<ImageSpec>): Float32Array {
  const [r, g, b] = channelLuts(spec);
  const { data } = image;
  const plane = image.width * image.height;
  if (data.length !== plane * 3) {
    throw new RangeError(
      `Cannot normalize image: expected "${
        plane * 3
      }" values for ${image.width}x${image.height}x3, got "${data.length}"`,
    );
  }
  const out = new Float32Array(plane * 3);
  if (spec.layout === "nhwc") {
    for (let i = 0; i < plane * 3; i += 3) {
      out[i] = r[data[i]];
      out[i + 1] = g[data[i + 1]];
      out[i + 2] = b[data[i + 2]];
    }
  } else {
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      out[i] = r[data[j]];
      out[plane + i] = g[data[j + 1]];
      out[2 * plane + i] = b[data[j + 2]];
    }
  }
  return out;
}
