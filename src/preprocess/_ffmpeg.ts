/**
 * Thin wrappers around the ffmpeg and ffprobe binaries, with the guards ingest uses too (src/ingest/
 * ffprobe.ts): local files and container formats only, a time limit after which the child is killed.
 *
 * Frame extraction spawns ffmpeg with `Deno.Command`: we need the raw rgb24 bytes on stdout as a
 * `Uint8Array`, one short-lived process per seek with a timeout, and exact control of the argument order
 * (`-ss` before `-i`).
 *
 * @module
 */
import {
  ffprobeJson,
  guardedInput,
  lastErrorLines,
  type ProbeData,
  runChild,
  VIDEO_DEMUXERS,
} from "@/ingest/mod.ts";

export { lastErrorLines, VIDEO_DEMUXERS };

/** Where the binaries are and how long one call may take. */
export interface FfmpegOptions {
  /** @default "ffmpeg" */
  ffmpegPath?: string;
  /** @default "ffprobe" */
  ffprobePath?: string;
  /** Kill an ffmpeg/ffprobe call after this many milliseconds. @default 60_000 */
  timeoutMs?: number;
}

/** What ffprobe says about a file. */
export type FfprobeData = ProbeData;

/** ffmpeg input options opening `path` as a local file only, optionally seeking to `seekS` first. */
export function inputArgs(path: string, seekS?: number): string[] {
  const seek = seekS === undefined ? [] : ["-ss", seekS.toFixed(6)];
  return [...seek, ...guardedInput(path)];
}

/** Runs the guarded ffprobe on a file. Rejects with ffprobe's own error text. */
export function ffprobe(path: string, options: FfmpegOptions = {}): Promise<FfprobeData> {
  return ffprobeJson(path, { ffprobePath: options.ffprobePath, timeoutMs: options.timeoutMs });
}

/** Result of one ffmpeg run. */
export interface FfmpegOutput {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs ffmpeg to completion and collects stdout (binary) and stderr (text); killed at the time limit. */
export async function runFfmpeg(args: string[], options: FfmpegOptions = {}): Promise<FfmpegOutput> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const out = await runChild(options.ffmpegPath ?? "ffmpeg", ["-hide_banner", "-nostdin", ...args], {
    timeoutMs,
    maxOutputBytes: 1024 * 1024 * 1024,
  });
  if (out.killed === "timeout") throw new Error(`ffmpeg took longer than ${timeoutMs} ms and was killed`);
  if (out.killed === "output") throw new Error("ffmpeg wrote more than 1 GiB and was killed");
  return { code: out.code, stdout: out.stdout, stderr: out.stderr };
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
  }).spawn();
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, timeoutMs);
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
    clearTimeout(timer);
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
  if (timedOut) throw new Error(`ffmpeg took longer than ${timeoutMs} ms and was killed`);
  if (!status.success) {
    throw new Error(lastErrorLines(await stderrText) || `ffmpeg exited with code ${status.code}`);
  }
}
