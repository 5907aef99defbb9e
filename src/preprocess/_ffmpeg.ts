/**
 * Thin wrappers around the ffmpeg and ffprobe binaries.
 *
 * Probing goes through fluent-ffmpeg's `ffprobe` (it parses streams, tags and the display-matrix side data
 * into plain objects). Frame extraction spawns ffmpeg with `Deno.Command` instead: we need the raw rgb24
 * bytes on stdout as a `Uint8Array`, one short-lived process per seek with a timeout, and exact control of
 * the argument order (`-ss` before `-i`); fluent-ffmpeg's builder is stream/event based, reorders options
 * and adds nothing here.
 *
 * @module
 */
import ffmpeg, { type FfprobeData } from "fluent-ffmpeg";

/** Where the binaries are and how long one call may take. */
export interface FfmpegOptions {
  /** @default "ffmpeg" */
  ffmpegPath?: string;
  /** @default "ffprobe" */
  ffprobePath?: string;
  /** Kill an ffmpeg/ffprobe call after this many milliseconds. @default 60_000 */
  timeoutMs?: number;
}

export type { FfprobeData };

/**
 * Demuxers ffmpeg may use on our inputs. Playlists and indirections (hls, concat, ...) are refused: a
 * "video" that is really a playlist could make ffmpeg read other files or URLs.
 */
export const VIDEO_DEMUXERS = "mov,mp4,matroska,webm,avi,flv,mpegts,mpeg,ogg,gif";

/** ffmpeg input options opening `path` as a local file only, optionally seeking to `seekS` first. */
export function inputArgs(path: string, seekS?: number): string[] {
  const seek = seekS === undefined ? [] : ["-ss", seekS.toFixed(6)];
  return [...seek, "-format_whitelist", VIDEO_DEMUXERS, "-protocol_whitelist", "file", "-i", `file:${path}`];
}

/** The last meaningful lines of an ffmpeg/ffprobe stderr (skips the version banner). */
export function lastErrorLines(stderr: string, lines = 2): string {
  const kept = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line !== "" && !/^(ffprobe|ffmpeg) version|^built with|^configuration:|^lib(av|sw|post)/.test(line) &&
    !/exited with code/.test(line)
  );
  return kept.slice(-lines).join("; ");
}

/** Runs ffprobe on a file through fluent-ffmpeg. Rejects with ffprobe's own error text. */
export function ffprobe(path: string, options: FfmpegOptions = {}): Promise<FfprobeData> {
  return new Promise((resolve, reject) => {
    const command = ffmpeg(`file:${path}`).setFfprobePath(options.ffprobePath ?? "ffprobe");
    const timer = setTimeout(
      () =>
        reject(
          new Error(`Cannot probe "${path}": ffprobe took longer than ${options.timeoutMs ?? 60_000} ms`),
        ),
      options.timeoutMs ?? 60_000,
    );
    const guard = ["-format_whitelist", VIDEO_DEMUXERS, "-protocol_whitelist", "file"];
    command.ffprobe(guard, (error: Error | null, data: FfprobeData) => {
      clearTimeout(timer);
      if (error) reject(new Error(lastErrorLines(error.message) || error.message, { cause: error }));
      else resolve(data);
    });
  });
}

/** Result of one ffmpeg run. */
export interface FfmpegOutput {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs ffmpeg to completion and collects stdout (binary) and stderr (text). */
export async function runFfmpeg(args: string[], options: FfmpegOptions = {}): Promise<FfmpegOutput> {
  const command = new Deno.Command(options.ffmpegPath ?? "ffmpeg", {
    args: ["-hide_banner", "-nostdin", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  const { code, stdout, stderr } = await command.output();
  return { code, stdout, stderr: new TextDecoder().decode(stderr) };
}

/**
 * Runs ffmpeg and yields its stdout cut into records of exactly `recordBytes` (e.g. raw frames),
 * holding at most one record plus one pipe chunk in memory. Throws if ffmpeg fails.
 */
export async function* streamFfmpeg(
  args: string[],
  recordBytes: number,
  options: FfmpegOptions = {},
): AsyncGenerator<Uint8Array> {
  const child = new Deno.Command(options.ffmpegPath ?? "ffmpeg", {
    args: ["-hide_banner", "-nostdin", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  let record = new Uint8Array(recordBytes);
  let filled = 0;
  let completed = false;
  try {
    for await (const chunk of child.stdout) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(recordBytes - filled, chunk.length - offset);
        record.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === recordBytes) {
          yield record;
          record = new Uint8Array(recordBytes);
          filled = 0;
        }
      }
    }
    completed = true;
  } finally {
    if (!completed) {
      // The consumer stopped early (or failed): stop ffmpeg and reap it.
      try {
        child.kill();
      } catch { /* already exited */ }
      await child.status;
      await stderrText;
    }
  }
  const status = await child.status;
  if (!status.success) {
    throw new Error(lastErrorLines(await stderrText) || `ffmpeg exited with code ${status.code}`);
  }
}
