/**
 * What a clip is: ffprobe's duration, frame rate, display size (rotation applied) and audio, after the
 * file is checked to be a real container; and the geometry ffmpeg scales frames to.
 *
 * @module
 */
import { InputDataError } from "../errors.ts";
import { type FfmpegOptions, ffprobe, type FfprobeData } from "../_ffmpeg.ts";

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

/** Options naming the clip in errors. */
export interface VideoOptions extends FfmpegOptions {
  /** Name used in error messages. @default the path */
  name?: string;
  /** Post id attached to any {@linkcode InputDataError}. */
  postId?: string;
}

/** Throws the video's {@linkcode InputDataError}. */
export function fail(
  name: string,
  reason: string,
  detail: string,
  options: VideoOptions,
  cause?: unknown,
): never {
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

/** The ffmpeg output size whose short side is `size` (aspect kept). */
export function scaledSize(width: number, height: number, size: number): [number, number] {
  const factor = size / Math.min(width, height);
  return [Math.max(size, Math.round(width * factor)), Math.max(size, Math.round(height * factor))];
}

/** The ffmpeg scale filter for {@linkcode scaledSize}, with the output size. */
export function scaleFilter(probe: VideoProbe, size: number): [string, number, number] {
  const [w, h] = scaledSize(probe.width, probe.height, size);
  const flags = w < probe.width ? "area" : "bicubic";
  return [`scale=${w}:${h}:flags=${flags}`, w, h];
}
