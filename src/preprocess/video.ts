/**
 * Video preprocessing: a fixed number of frames per clip, drawn reproducibly from a seed, through the same
 * image pipeline as stills, plus a small vector of video facts.
 *
 * - Probe (the guarded ffprobe, JSON output): duration, frame rate, display size (rotation applied), audio.
 * - Positions: stratified with jitter over the frame indices, one per equal segment, from a seeded PRNG
 *   ({@linkcode sampleFrameIndices}); the same seed gives the same frames.
 * - Extraction by seeking: one short ffmpeg run per position with `-ss` before `-i` (demuxer seek to the
 *   keyframe before, decode up to the target, one frame out), scaled by ffmpeg so the short side is the
 *   target size, raw rgb24 on a pipe. The whole video is never decoded, except for very short clips
 *   (fewer than 4 frames per sample) where one pass over a handful of frames is cheaper than the seeks.
 * - ffmpeg applies the display-matrix rotation itself (autorotate), so frames come out upright.
 * - Frames then take the image path: centre crop to `size` x `size` ({@linkcode resizeRgb}) and
 *   normalization ({@linkcode normalizeRgb}) per the encoder's {@linkcode ImageSpec}.
 *
 * Bad input throws {@linkcode InputDataError} with `modality: "video"`.
 *
 * @module
 */
import { type ImageSpec, normalizeRgb } from "./image.ts";
import { sampleVideoFrames, type SampleVideoOptions, type VideoFrames } from "./video/frames.ts";
import { type VideoFacts, videoFacts } from "./video/facts.ts";

export type { FfmpegOptions } from "./_ffmpeg.ts";
export { parseProbe, probeVideo, scaledSize, type VideoOptions, type VideoProbe } from "./video/probe.ts";
export {
  sampleFrameIndices,
  type SampleOptions,
  sampleVideoFrames,
  type SampleVideoOptions,
  type VideoFrames,
} from "./video/frames.ts";
export { type AllFrames, decodeAllFrames, type DecodeAllOptions } from "./video/decode_all.ts";
export {
  sceneChangeRate,
  VIDEO_FACT_NAMES,
  type VideoFacts,
  videoFacts,
  videoFactsVector,
} from "./video/facts.ts";

/** Options for {@linkcode preprocessVideo}. */
export interface PreprocessVideoOptions extends Omit<SampleVideoOptions, "size"> {}

/** A clip ready for an image encoder: sampled frames as one tensor, plus facts. */
export interface VideoSample extends Omit<VideoFrames, "images"> {
  /** `frames` tensors back to back, each `size * size * 3` values in `spec.layout`. */
  data: Float32Array;
  /** Number of frames in `data`. */
  frames: number;
  facts: VideoFacts;
}

/**
 * Samples frames from a clip and normalizes them for an encoder with input contract `spec`;
 * also returns the video facts.
 */
export async function preprocessVideo(
  path: string,
  spec: Readonly<ImageSpec>,
  options: PreprocessVideoOptions = {},
): Promise<VideoSample> {
  const { images, ...rest } = await sampleVideoFrames(path, { ...options, size: spec.size });
  const per = spec.size * spec.size * 3;
  const data = new Float32Array(images.length * per);
  images.forEach((image, i) => data.set(normalizeRgb(image, spec), i * per));
  return { ...rest, data, frames: images.length, facts: videoFacts(rest.probe, images) };
}
