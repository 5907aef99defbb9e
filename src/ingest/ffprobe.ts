/**
 * ffprobe and other child processes run guarded, the same way at ingest and in preprocessing: local files
 * only (`-protocol_whitelist file`, `file:` input), container formats only (no playlists or other
 * indirections: a "video" that is an HLS playlist naming a URL would make ffprobe fetch it), a time limit
 * after which the child is killed (SIGKILL) and reaped rather than abandoned, capped output, and JSON read
 * inside a try so a bad answer is an error about that file.
 */

/**
 * Demuxers ffmpeg may use on our inputs. Playlists and indirections (hls, concat, ...) are refused: a
 * "video" that is really a playlist could make ffmpeg read other files or URLs.
 */
export const VIDEO_DEMUXERS = "mov,mp4,matroska,webm,avi,flv,mpegts,mpeg,ogg,gif";

/** Input options opening `path` as a local file of a whitelisted container only. */
export function guardedInput(path: string): string[] {
  return ["-format_whitelist", VIDEO_DEMUXERS, "-protocol_whitelist", "file", "-i", `file:${path}`];
}

export interface ChildOptions {
  /** Kill the child (SIGKILL) after this many milliseconds. @default 60_000 */
  timeoutMs?: number;
  /** Kill the child when stdout grows past this. @default 64 MiB */
  maxOutputBytes?: number;
}

export interface ChildOutput {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  /** Why the child was killed, if it was. */
  killed?: "timeout" | "output";
}

/** Runs `command` with no stdin, collecting its output; a child over its time or output cap is killed. */
export async function runChild(
  command: string,
  args: string[],
  options: ChildOptions = {},
): Promise<ChildOutput> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxOutputBytes = options.maxOutputBytes ?? 64 * 1024 * 1024;
  const child = new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  let killed: ChildOutput["killed"];
  const kill = (why: "timeout" | "output") => {
    killed ??= why;
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  };
  const timer = setTimeout(() => kill("timeout"), timeoutMs);
  const collect = async (stream: ReadableStream<Uint8Array>, cap: number) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of stream) {
      if (size + chunk.byteLength > cap) {
        kill("output");
        continue; // drain, so the pipe closes
      }
      parts.push(chunk);
      size += chunk.byteLength;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) (out.set(p, at), at += p.byteLength);
    return out;
  };
  try {
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout, maxOutputBytes),
      collect(child.stderr, 1024 * 1024),
      child.status,
    ]);
    return { code: status.code, stdout, stderr: new TextDecoder().decode(stderr), killed };
  } finally {
    clearTimeout(timer);
  }
}

/** The last meaningful lines of an ffmpeg/ffprobe stderr (skips the version banner). */
export function lastErrorLines(stderr: string, lines = 2): string {
  const kept = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line !== "" && !/^(ffprobe|ffmpeg) version|^built with|^configuration:|^lib(av|sw|post)/.test(line) &&
    !/exited with code/.test(line)
  );
  return kept.slice(-lines).join("; ");
}

/** One stream as `ffprobe -print_format json -show_streams` writes it (the fields we read). */
export interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  nb_frames?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
  /** The display-matrix rotation in degrees, copied from `side_data_list` for convenience. */
  rotation?: number;
}

export interface ProbeData {
  streams: ProbeStream[];
  format: { duration?: string; format_name?: string };
}

export interface ProbeOptions extends ChildOptions {
  /** @default "ffprobe" */
  ffprobePath?: string;
}

/** ffprobe's streams and format of a local file; throws an Error with ffprobe's own words when it fails. */
export async function ffprobeJson(path: string, options: ProbeOptions = {}): Promise<ProbeData> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let out: ChildOutput;
  try {
    out = await runChild(
      options.ffprobePath ?? "ffprobe",
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", ...guardedInput(path)],
      { timeoutMs, maxOutputBytes: options.maxOutputBytes ?? 4 * 1024 * 1024 },
    );
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot run ffprobe (install ffmpeg): ${err.message}`, { cause: err });
    }
    throw err;
  }
  if (out.killed === "timeout") {
    throw new Error(`Cannot probe "${path}": ffprobe took longer than ${timeoutMs} ms`);
  }
  if (out.killed === "output") {
    throw new Error(`Cannot probe "${path}": ffprobe wrote more than its output cap`);
  }
  if (out.code !== 0) {
    // ffprobe names the input by its path and its parsers by memory address: keep neither, so the same
    // file gives the same message wherever it is stored.
    const said = lastErrorLines(out.stderr).replaceAll(`file:${path}: `, "").replaceAll(
      `file:${path}`,
      "the file",
    )
      .replace(/ @ 0x[0-9a-f]+\]/g, "]");
    throw new Error(said || `ffprobe exited with code ${out.code}`);
  }
  let data: ProbeData;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(out.stdout));
    data = { streams: Array.isArray(parsed?.streams) ? parsed.streams : [], format: parsed?.format ?? {} };
  } catch (err) {
    throw new Error(`Cannot probe "${path}": ffprobe's answer is not JSON (${(err as Error).message})`);
  }
  for (const s of data.streams) {
    const rotation = s.side_data_list?.find((d) => typeof d.rotation === "number")?.rotation;
    if (rotation !== undefined) s.rotation = rotation;
  }
  return data;
}
