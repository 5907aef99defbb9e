/**
 * Cheap facts about a stored media file, for the media table: MIME type, size in pixels, duration.
 * Images: sharp reads only the header. Videos: one guarded ffprobe call (see ffprobe.ts). A file either
 * cannot read is still stored; the failure is returned as `error` for preprocessing to quarantine.
 */
import sharp from "sharp";
import { ffprobeJson, type ProbeData, type ProbeOptions } from "./ffprobe.ts";

export interface MediaFacts {
  mime?: string;
  width?: number;
  height?: number;
  durationS?: number;
  error?: string;
}

const IMAGE_MIME: Record<string, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  tiff: "image/tiff",
  heif: "image/avif",
  avif: "image/avif",
  svg: "image/svg+xml",
};

export async function probeImage(bytes: Uint8Array): Promise<MediaFacts> {
  try {
    const meta = await sharp(bytes).metadata();
    const mime = meta.format === "heif" && meta.compression !== "av1"
      ? "image/heic"
      : IMAGE_MIME[meta.format ?? ""];
    // EXIF orientations 5-8 swap the displayed width and height.
    const swap = (meta.orientation ?? 1) >= 5;
    return { mime, width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height };
  } catch (err) {
    // libvips appends its thread's error buffer, which holds earlier files' errors too: keep sharp's own
    // words, so a file's reason is about that file and the same on every run.
    const said = (err as Error).message.split("\n")[0].replace(/: (Vips|vips_)\S*:.*$/, "");
    return { error: `unreadable image: ${said}` };
  }
}

/** Facts of a video file through the guarded ffprobe (local file, container formats only, time limit). */
export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<MediaFacts> {
  let info: ProbeData;
  try {
    info = await ffprobeJson(path, options);
  } catch (err) {
    if (/Cannot run ffprobe/.test((err as Error).message)) throw err;
    return { error: `unreadable video: ${(err as Error).message.slice(0, 200)}` };
  }
  const video = info.streams.find((s) => s.codec_type === "video");
  const format = info.format.format_name ?? "";
  const mime = format.includes("webm")
    ? "video/webm"
    : format.includes("mp4") || format.includes("mov")
    ? "video/mp4"
    : format.includes("matroska")
    ? "video/x-matroska"
    : undefined;
  const duration = Number(info.format.duration);
  const size = (
    n: unknown,
  ) => (typeof n === "number" && Number.isInteger(n) && n > 0 && n < 2 ** 31 ? n : undefined);
  return {
    mime,
    width: size(video?.width),
    height: size(video?.height),
    durationS: Number.isFinite(duration) && duration >= 0 ? duration : undefined,
    error: video ? undefined : "no video stream",
  };
}
