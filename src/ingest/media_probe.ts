/**
 * Cheap facts about a stored media file, for the media table: MIME type, size in pixels, duration.
 * Images: sharp reads only the header. Videos: one ffprobe call. A file either cannot read is still
 * stored; the failure is returned as `error` for preprocessing to quarantine.
 */
import sharp from "sharp";

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
    return { error: `unreadable image: ${(err as Error).message}` };
  }
}

export async function probeVideo(path: string): Promise<MediaFacts> {
  const out = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((err: Error) => {
    throw new Error(`Cannot run ffprobe (install ffmpeg): ${err.message}`);
  });
  if (!out.success) {
    return { error: `unreadable video: ${new TextDecoder().decode(out.stderr).trim().slice(0, 200)}` };
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    format?: { duration?: string; format_name?: string };
    streams?: { codec_type?: string; width?: number; height?: number }[];
  };
  const video = info.streams?.find((s) => s.codec_type === "video");
  const format = info.format?.format_name ?? "";
  const mime = format.includes("webm")
    ? "video/webm"
    : format.includes("mp4") || format.includes("mov")
    ? "video/mp4"
    : format.includes("matroska")
    ? "video/x-matroska"
    : undefined;
  const duration = Number(info.format?.duration);
  return {
    mime,
    width: video?.width,
    height: video?.height,
    durationS: Number.isFinite(duration) ? duration : undefined,
    error: video ? undefined : "no video stream",
  };
}
