/** Every frame of a clip decoded in one pass, the kept ones returned: for very short clips and benchmarks. */
import type { RgbImage } from "@/core/mod.ts";
import { InputDataError } from "../errors.ts";
import { inputArgs, streamFfmpeg } from "../_ffmpeg.ts";
import { fail, probeVideo, scaleFilter, type VideoOptions, type VideoProbe } from "./probe.ts";

/** Options for {@linkcode decodeAllFrames}. */
export interface DecodeAllOptions extends VideoOptions {
  /** Short side ffmpeg scales every frame to. @default 224 */
  size?: number;
  /** Indices of the frames to keep; all frames are decoded and counted either way. @default all */
  keep?: readonly number[];
  /** A probe already made, to skip probing again. */
  probe?: VideoProbe;
}

/** All decoded frames counted, the kept ones returned (scaled, not cropped). */
export interface AllFrames {
  frameCount: number;
  frames: Map<number, RgbImage>;
}

/**
 * Decodes every frame of a clip (scaled so the short side is `size`), keeping the `keep` indices.
 * The slow path the seek-based sampler avoids; used for very short clips and for the benchmark.
 */
export async function decodeAllFrames(path: string, options: DecodeAllOptions = {}): Promise<AllFrames> {
  const { size = 224 } = options;
  const name = options.name ?? path;
  const probe = options.probe ?? await probeVideo(path, options);
  const keep = options.keep === undefined ? undefined : new Set(options.keep);
  const [filter, w, h] = scaleFilter(probe, size);
  const frames = new Map<number, RgbImage>();
  let frameCount = 0;
  try {
    for await (
      const data of streamFfmpeg(
        [
          "-v",
          "error",
          ...inputArgs(path),
          "-map",
          `0:${probe.streamIndex}`,
          "-an",
          "-sn",
          "-dn",
          "-vf",
          filter,
          "-fps_mode",
          "passthrough",
          "-f",
          "rawvideo",
          "-pix_fmt",
          "rgb24",
          "pipe:1",
        ],
        w * h * 3,
        options,
      )
    ) {
      if (keep === undefined || keep.has(frameCount)) {
        frames.set(frameCount, { data, width: w, height: h, channels: 3 });
      }
      frameCount++;
    }
  } catch (error) {
    if (error instanceof InputDataError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    fail(name, "corrupt", `cannot decode frames (${detail})`, options, error);
  }
  return { frameCount, frames };
}
