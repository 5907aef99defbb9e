/** The nouns every stage shares, defined once. */

/** The modalities of a post, in the fixed order of the model's presence mask. */
export const MODALITIES = ["text", "image", "video", "metadata"] as const;

/** One modality of a post. */
export type Modality = typeof MODALITIES[number];

/** Raw interleaved 8-bit pixels (row-major, `channels` per pixel: 1 grey, 3 RGB or 4 RGBA). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** Decoded RGB pixels: `height * width * 3` values, row-major (HWC). */
export interface RgbImage extends RawImage {
  channels: 3;
}

/** An encoded image file: its bytes, or a path to it. */
export type ImageSource = Uint8Array | string;

/** Anything an image encoder takes: an encoded file (bytes or path) or raw pixels. */
export type ImageInput = ImageSource | RawImage;
