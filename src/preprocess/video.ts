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
import { InputDataError } from "./errors.ts";
import { type ImageSpec, normalizeRgb, resizeRgb, type RgbImage } from "./image.ts";
import {
  type FfmpegOptions,
  ffprobe,
  type FfprobeData,
  inputArgs,
  lastErrorLines,
  runFfmpeg,
  streamFfmpeg,
} from "./_ffmpeg.ts";

export type { FfmpegOptions };

/** What ffprobe says about a clip. Sizes are display sizes (rotation applied). */
export interface VideoProbe {
  /** Seconds; from the video stream, else the container. `NaN` when neither knows. */
  durationS: number;
  /** Average frame rate (frames / duration); the nominal rate when the average is unknown. */
  fps: number;
  /** Nominal (`r_frame_rate`) frame rate. */
  nominalFps: number;
  /** True when the average and nominal rates differ by more than 1%: variable frame rate. */
  variableFrameRate: boolean;
  /** Frame count from the container, else estimated from duration x fps; `NaN` when unknown. */
  frameCount: number;
  width: number;
  height: number;
  /** Display rotation in degrees as ffprobe reports it (display matrix or `rotate` tag), 0 if none. */
  rotation: number;
  hasAudio: boolean;
  codec: string;
  /** Index of the video stream used. */
  streamIndex: number;
}

/** Facts about a clip, for the metadata features. */
export interface VideoFacts {
  durationS: number;
  fps: number;
  width: number;
  height: number;
  hasAudio: boolean;
  /**
   * Mean absolute difference between consecutive sampled frames, on 0..1 (pixel values / 255, averaged
   * over pixels and channels of the `size` x `size` crops). 0 for a still image, about 0.3-0.5 between
   * unrelated scenes. Costs nothing extra: it reuses the sampled frames (no extra decoding pass).
   */
  sceneChangeRate: number;
}

/** Names of the entries of {@linkcode videoFactsVector}, in order. */
export const VIDEO_FACT_NAMES: readonly string[] = [
  "log1p_duration_s",
  "fps_over_30",
  "width_over_1000",
  "height_over_1000",
  "has_audio",
  "scene_change_rate",
];

/** The facts as a small fixed-order vector, lightly scaled to order 1 (see {@linkcode VIDEO_FACT_NAMES}). */
export function videoFactsVector(facts: VideoFacts): Float32Array {
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  return Float32Array.from([
    Math.log1p(Math.max(0, finite(facts.durationS))),
    finite(facts.fps) / 30,
    finite(facts.width) / 1000,
    finite(facts.height) / 1000,
    facts.hasAudio ? 1 : 0,
    finite(facts.sceneChangeRate),
  ]);
}

/** Options naming the clip in errors. */
export interface VideoOptions extends FfmpegOptions {
  /** Name used in error messages. @default the path */
  name?: string;
  /** Post id attached to any {@linkcode InputDataError}. */
  postId?: string;
}

function fail(name: string, reason: string, detail: string, options: VideoOptions, cause?: unknown): never {
  throw new InputDataError(`Cannot read video "${name}": ${detail}`, {
    modality: "video",
    reason,
    postId: options.postId,
    cause,
  });
}

function rate(text: unknown): number {
  const [num, den] = String(text ?? "").split("/").map(Number);
  if (den === undefined) return Number.isFinite(num) ? num : NaN;
  return den > 0 && Number.isFinite(num) ? num / den : NaN;
}

function num(value: unknown): number {
  if (value === undefined || value === null || value === "" || value === "N/A") return NaN;
  const n = Number(value);
  return Number.isFinite(n) ? n : NaN;
}

/** Turns ffprobe output into a {@linkcode VideoProbe}; `undefined` when there is no video stream. */
export function parseProbe(data: FfprobeData): VideoProbe | undefined {
  const video = data.streams.find((s) =>
    s.codec_type === "video" && !(Number(s.disposition?.attached_pic) > 0)
  );
  if (video === undefined) return undefined;
  const hasAudio = data.streams.some((s) => s.codec_type === "audio");
  let durationS = num(video.duration);
  if (!(durationS > 0)) durationS = num(data.format.duration);
  if (!(durationS > 0)) durationS = NaN;
  const nominalFps = rate(video.r_frame_rate);
  const averageFps = rate(video.avg_frame_rate);
  const fps = averageFps > 0 ? averageFps : nominalFps > 0 ? nominalFps : NaN;
  let frameCount = num(video.nb_frames);
  if (!(frameCount > 0)) frameCount = Math.round(durationS * fps);
  if (!(frameCount > 0)) frameCount = NaN;
  const tagRotate = num(video.tags?.rotate);
  const sideRotation = num(video.rotation);
  const rotation = Number.isFinite(sideRotation) ? sideRotation : Number.isFinite(tagRotate) ? tagRotate : 0;
  const quarter = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const width = num(video.width), height = num(video.height);
  return {
    durationS,
    fps,
    nominalFps,
    variableFrameRate: averageFps > 0 && nominalFps > 0 &&
      Math.abs(averageFps - nominalFps) / nominalFps > 0.01,
    frameCount,
    width: quarter ? height : width,
    height: quarter ? width : height,
    rotation,
    hasAudio,
    codec: String(video.codec_name ?? "unknown"),
    streamIndex: Number(video.index ?? 0),
  };
}

async function checkFile(path: string, name: string, options: VideoOptions): Promise<void> {
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) fail(name, "missing", "file not found", options, error);
    throw error;
  }
  if (size === 0) fail(name, "empty", "empty file (0 bytes)", options);
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(16);
    const n = await file.read(head);
    return head.subarray(0, n ?? 0);
  } finally {
    file.close();
  }
}

/** ISO-BMFF (`ftyp` box first) or Matroska/WebM (EBML magic). */
function looksLikeContainer(head: Uint8Array): boolean {
  const ftyp = head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === "ftyp";
  const ebml = head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf &&
    head[3] === 0xa3;
  return ftyp || ebml;
}

/** Probes a video file. Throws {@linkcode InputDataError} for unreadable files and files without video. */
export async function probeVideo(path: string, options: VideoOptions = {}): Promise<VideoProbe> {
  const name = options.name ?? path;
  await checkFile(path, name, options);
  let data: FfprobeData;
  try {
    data = await ffprobe(path, options);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // A cut-off MP4 and random bytes both lack the index ("moov atom not found"): call it truncated only
    // when the file starts like a real container.
    if (/not on whitelist/i.test(detail)) {
      fail(name, "unsupported_format", `unsupported format (${detail})`, options, error);
    }
    const reason =
      looksLikeContainer(await readHead(path)) && /moov atom not found|end of file|truncat/i.test(detail)
        ? "truncated"
        : "corrupt";
    fail(
      name,
      reason,
      `${reason === "truncated" ? "truncated" : "corrupt"} file (${detail})`,
      options,
      error,
    );
  }
  const probe = parseProbe(data);
  if (probe === undefined) {
    const kinds = data.streams.map((s) => s.codec_type).join(", ") || "none";
    fail(name, "no_video_stream", `no video stream (streams: ${kinds})`, options);
  }
  if (!(probe.width > 0 && probe.height > 0)) {
    fail(name, "corrupt", "video stream has no frame size", options);
  }
  return probe;
}

/** A small deterministic PRNG (mulberry32) seeded from a number or a string (e.g. the post id). */
export function seededRandom(seed: number | string): () => number {
  let h = 2166136261 >>> 0; // FNV-1a over the seed's text, so "1" and 1 agree and strings spread well
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  let state = h;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  const random = seededRandom(options.seed ?? 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const lo = Math.floor((i * frameCount) / count);
    const hi = Math.floor(((i + 1) * frameCount) / count);
    const u = random();
    out.push(hi > lo ? lo + Math.floor(u * (hi - lo)) : Math.min(lo, frameCount - 1));
  }
  return out;
}

/** The ffmpeg output size whose short side is `size` (aspect kept). */
export function scaledSize(width: number, height: number, size: number): [number, number] {
  const factor = size / Math.min(width, height);
  return [Math.max(size, Math.round(width * factor)), Math.max(size, Math.round(height * factor))];
}

function scaleFilter(probe: VideoProbe, size: number): [string, number, number] {
  const [w, h] = scaledSize(probe.width, probe.height, size);
  const flags = w < probe.width ? "area" : "bicubic";
  return [`scale=${w}:${h}:flags=${flags}`, w, h];
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
  const images = await Promise.all(raws.map((data) => resizeRgb({ data: data!, width: w, height: h }, size)));
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
      if (keep === undefined || keep.has(frameCount)) frames.set(frameCount, { data, width: w, height: h });
      frameCount++;
    }
  } catch (error) {
    if (error instanceof InputDataError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    fail(name, "corrupt", `cannot decode frames (${detail})`, options, error);
  }
  return { frameCount, frames };
}

/** Mean absolute difference between consecutive frames on 0..1; 0 for fewer than two frames. */
export function sceneChangeRate(images: readonly RgbImage[]): number {
  if (images.length < 2) return 0;
  let total = 0;
  for (let f = 1; f < images.length; f++) {
    const a = images[f - 1].data, b = images[f].data;
    if (a.length !== b.length) throw new RangeError("Cannot compare frames: sizes differ");
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
    total += sum / (a.length * 255);
  }
  return total / (images.length - 1);
}

/** Video facts from a probe and the sampled frames (pure). */
export function videoFacts(probe: VideoProbe, images: readonly RgbImage[]): VideoFacts {
  return {
    durationS: probe.durationS,
    fps: probe.fps,
    width: probe.width,
    height: probe.height,
    hasAudio: probe.hasAudio,
    sceneChangeRate: sceneChangeRate(images),
  };
}

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
