/**
 * A fixed number of frames per clip, drawn reproducibly from a seed: stratified positions with jitter
 * (one per equal segment), each taken by one short ffmpeg seek, or by one pass over a very short clip.
 *
 * @module
 */
import { type RgbImage, textSeededRng } from "@/core/mod.ts";
import { resizeRgb } from "../image.ts";
import { inputArgs, lastErrorLines, runFfmpeg } from "../_ffmpeg.ts";
import { decodeAllFrames } from "./decode_all.ts";
import { fail, probeVideo, scaleFilter, type VideoOptions, type VideoProbe } from "./probe.ts";

/** Options for {@linkcode sampleFrameIndices}. */
export interface SampleOptions {
  /** PRNG seed; pass the post id for per-post reproducible draws. @default 0 */
  seed?: number | string;
}

/**
 * Draws `count` frame indices out of `frameCount`, stratified with jitter: stratum `i` covers indices
 * `[floor(i * frameCount / count), floor((i + 1) * frameCount / count))` and one index is drawn uniformly
 * inside it. Indices are ascending, and distinct whenever `frameCount >= count`; with fewer frames the
 * empty strata repeat their neighbour's frame (duplicates).
 */
export function sampleFrameIndices(frameCount: number, count: number, options: SampleOptions = {}): number[] {
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    throw new RangeError(`Cannot sample frames: frameCount must be a positive integer, got "${frameCount}"`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot sample frames: count must be a positive integer, got "${count}"`);
  }
  const random = textSeededRng(options.seed ?? 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const lo = Math.floor((i * frameCount) / count);
    const hi = Math.floor(((i + 1) * frameCount) / count);
    const u = random();
    out.push(hi > lo ? lo + Math.floor(u * (hi - lo)) : Math.min(lo, frameCount - 1));
  }
  return out;
}

/** Options for {@linkcode sampleVideoFrames}. */
export interface SampleVideoOptions extends VideoOptions, SampleOptions {
  /** Side of the square output frames. @default 224 */
  size?: number;
  /** Frames to sample. @default 8 */
  frames?: number;
  /** ffmpeg processes running at once for the seeks. @default 2 */
  concurrency?: number;
  /** A probe already made, to skip probing again. */
  probe?: VideoProbe;
}

/** Frames drawn from a clip, and how they were drawn. */
export interface VideoFrames {
  /** `size` x `size` RGB frames, in timeline order. */
  images: RgbImage[];
  /** Frame index of each sample (nominal: at the average rate for variable-rate clips). */
  frameIndices: number[];
  /** Time of each sample in seconds: `frameIndices[i] / fps`. */
  positionsS: number[];
  /** How many of the samples are different frames. */
  distinctFrames: number;
  /** True when some samples repeat a frame (clip shorter than the number of samples). */
  duplicated: boolean;
  /** `seek`: one ffmpeg seek per sample; `decode_all`: one pass over a very short clip. */
  method: "seek" | "decode_all";
  /** Seeks past the real end of the stream that were retried earlier in the clip. */
  seekFallbacks: number;
  probe: VideoProbe;
}

/** Below this many frames per sample, decoding the whole clip once beats spawning one seek per sample. */
const DECODE_ALL_FRAMES_PER_SAMPLE = 4;

/**
 * Samples `frames` frames from a clip (stratified, seeded) by seeking, each scaled by ffmpeg and
 * centre-cropped to `size` x `size`.
 */
export async function sampleVideoFrames(
  path: string,
  options: SampleVideoOptions = {},
): Promise<VideoFrames> {
  const { size = 224, frames = 8, concurrency = 2 } = options;
  const name = options.name ?? path;
  const probe = options.probe ?? await probeVideo(path, options);
  const known = probe.frameCount > 0 && probe.fps > 0;
  if (!known || probe.frameCount < frames * DECODE_ALL_FRAMES_PER_SAMPLE) {
    return await sampleByDecodingAll(path, probe, size, frames, options);
  }
  const frameIndices = sampleFrameIndices(probe.frameCount, frames, options);
  const [filter, w, h] = scaleFilter(probe, size);
  const seek = (seconds: number[]) =>
    seekFrames(path, seconds, { ...options, name, probe, filter, frameBytes: w * h * 3 });
  // Aim half a frame early: ffmpeg returns the first frame at or after the target time.
  const targets = frameIndices.map((index) => Math.max(0, (index - 0.5) / probe.fps));
  // Split the seeks over `concurrency` ffmpeg processes (one process start is ~0.1 s of CPU).
  const groups = Array.from(
    { length: Math.min(concurrency, targets.length) },
    (_, g) => targets.flatMap((_, i) => (i % concurrency === g ? [i] : [])),
  );
  const raws: (Uint8Array | undefined)[] = new Array(targets.length);
  await Promise.all(groups.map(async (group) => {
    const got = await seek(group.map((i) => targets[i]));
    group.forEach((i, k) => (raws[i] = got[k]));
  }));
  // Containers may overstate the video length (audio longer than video, cut-off files): step back.
  let seekFallbacks = 0;
  for (let i = 0; i < raws.length; i++) {
    for (const back of [1, probe.durationS / 4, Infinity]) {
      if (raws[i] !== undefined) break;
      seekFallbacks++;
      [raws[i]] = await seek([Math.max(0, targets[i] - back)]);
    }
    if (raws[i] === undefined) {
      fail(name, "no_frames", `no frame decodes near ${targets[i].toFixed(3)} s`, options);
    }
  }
  const images = await Promise.all(
    raws.map((data) => resizeRgb({ data: data!, width: w, height: h, channels: 3 }, size)),
  );
  return finish(images, frameIndices, probe, "seek", seekFallbacks);
}

interface SeekOptions extends VideoOptions {
  name: string;
  probe: VideoProbe;
  filter: string;
  frameBytes: number;
}

/**
 * One ffmpeg process, one input per position (`-ss` before each `-i`: a demuxer seek to the keyframe before
 * it, then decoding up to it), one single-frame raw rgb24 output per input. ffmpeg stops reading an input
 * once its output has its frame. Returns `undefined` where a seek found no frame (past the real end).
 */
async function seekFrames(
  path: string,
  seconds: number[],
  options: SeekOptions,
): Promise<(Uint8Array | undefined)[]> {
  const dir = await Deno.makeTempDir({ prefix: "seek_" });
  try {
    const args = ["-v", "error"];
    for (const s of seconds) args.push(...inputArgs(path, s));
    seconds.forEach((_, i) => {
      args.push("-map", `${i}:${options.probe.streamIndex}`, "-an", "-sn", "-dn", "-frames:v", "1");
      args.push("-vf", options.filter, "-fps_mode", "passthrough");
      args.push("-f", "rawvideo", "-pix_fmt", "rgb24", `${dir}/${i}.rgb`);
    });
    const out = await runFfmpeg(args, options);
    if (out.code !== 0) {
      fail(options.name, "corrupt", `cannot decode a frame (${lastErrorLines(out.stderr)})`, options);
    }
    return await Promise.all(seconds.map(async (_, i) => {
      const data = await Deno.readFile(`${dir}/${i}.rgb`).catch(() => new Uint8Array(0));
      return data.length >= options.frameBytes ? data.subarray(0, options.frameBytes) : undefined;
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function sampleByDecodingAll(
  path: string,
  probe: VideoProbe,
  size: number,
  frames: number,
  options: SampleVideoOptions,
): Promise<VideoFrames> {
  // Count first (cheap for a short clip), then draw indices and keep those frames.
  const all = await decodeAllFrames(path, { ...options, size, probe });
  if (all.frameCount === 0) fail(options.name ?? path, "no_frames", "no frame decodes", options);
  const frameIndices = sampleFrameIndices(all.frameCount, frames, options);
  const images = await Promise.all(frameIndices.map((i) => resizeRgb(all.frames.get(i)!, size)));
  const fps = probe.fps > 0 ? probe.fps : all.frameCount / (probe.durationS || 1);
  return finish(images, frameIndices, { ...probe, fps, frameCount: all.frameCount }, "decode_all", 0);
}

function finish(
  images: RgbImage[],
  frameIndices: number[],
  probe: VideoProbe,
  method: VideoFrames["method"],
  seekFallbacks: number,
): VideoFrames {
  const distinctFrames = new Set(frameIndices).size;
  return {
    images,
    frameIndices,
    positionsS: frameIndices.map((i) => i / probe.fps),
    distinctFrames,
    duplicated: distinctFrames < frameIndices.length,
    method,
    seekFallbacks,
    probe,
  };
}
