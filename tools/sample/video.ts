/**
 * Renders a video spec with ffmpeg: a backdrop drawn by sharp (or a lavfi source) animated by filters whose
 * motion and colour dynamics carry the tag (fast hue cycling, slow fade, fast scroll, game of life, a moving
 * ball). Fixed encoder settings, one thread and bitexact flags make the output byte-identical across runs.
 */
import sharp from "sharp";
import { Prng } from "./_prng.ts";
import type { VideoMotion, VideoPlan } from "./plan.ts";
import { sceneSvg } from "./scenes.ts";

export interface RenderVideoOptions {
  /** The ffmpeg binary. @default "ffmpeg" */
  ffmpegPath?: string;
  /** Folder for the backdrop PNGs (removed by the caller). @default a new temp dir, removed after */
  tmpDir?: string;
}

const f = (x: number) => x.toFixed(1);
/** Extra border of the generic backdrop, so the moving crop stays inside it (even pixels). */
const GENERIC_MARGIN = (w: number, h: number) => 2 * Math.round(Math.min(w, h) / 24);

function hsl(h: number, s: number, l: number): string {
  return `hsl(${f(((h % 360) + 360) % 360)},${f(s)}%,${f(l)}%)`;
}

function svgDoc(w: number, h: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`;
}

/** The still frame a motion animates, as SVG; undefined for motions drawn by a lavfi source. */
export function backdropSvg(motion: VideoMotion, w: number, h: number, rng: Prng): string | undefined {
  switch (motion) {
    case "dance": {
      let s = `<rect width="${w}" height="${h}" fill="${hsl(rng.range(240, 300), 40, 8)}"/>`;
      const spots = rng.int(3, 6);
      for (let i = 0; i < spots; i++) {
        s +=
          `<defs><radialGradient id="s${i}"><stop offset="0" stop-color="${
            hsl(rng.range(0, 360), 100, 60)
          }"/>` +
          `<stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient></defs>` +
          `<circle cx="${f(rng.range(0, w))}" cy="${f(rng.range(0, h * 0.7))}" r="${
            f(Math.min(w, h) * rng.range(0.2, 0.4))
          }" fill="url(#s${i})"/>`;
      }
      s += `<rect y="${f(h * 0.8)}" width="${w}" height="${f(h * 0.2)}" fill="${hsl(0, 0, 15)}"/>`;
      for (let i = 0; i < 4; i++) {
        const x = w * (0.2 + 0.2 * i);
        s += `<ellipse cx="${f(x)}" cy="${f(h * 0.62)}" rx="${f(w * 0.03)}" ry="${f(h * 0.2)}" fill="#000"/>`;
      }
      return svgDoc(w, h, s);
    }
    case "timelapse": {
      let s =
        `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${
          hsl(rng.range(200, 215), 70, 50)
        }"/><stop offset="1" stop-color="${hsl(200, 50, 85)}"/></linearGradient></defs>` +
        `<rect width="${w}" height="${h}" fill="url(#sky)"/>`;
      const clouds = rng.int(4, 8);
      for (let i = 0; i < clouds; i++) {
        const r = h * rng.range(0.05, 0.1);
        s += `<ellipse cx="${f(rng.range(0, w))}" cy="${f(rng.range(0.1, 0.6) * h)}" rx="${f(r * 3)}" ry="${
          f(r)
        }" fill="#fff" fill-opacity="0.9"/>`;
      }
      s += `<path d="M0 ${f(h * 0.8)} Q ${f(w * 0.25)} ${f(h * 0.7)} ${f(w * 0.5)} ${f(h * 0.8)} T ${w} ${
        f(h * 0.78)
      } V ${h} H 0 Z" fill="${hsl(140, 25, 20)}"/>`;
      return svgDoc(w, h, s);
    }
    case "racing": {
      const top = h * 0.35;
      const bottom = h * 0.85;
      let s = `<rect width="${w}" height="${f(top)}" fill="${hsl(205, 40, 75)}"/>` +
        `<rect y="${f(top)}" width="${w}" height="${f(h - top)}" fill="${hsl(100, 35, 35)}"/>` +
        `<rect y="${f(top + h * 0.05)}" width="${w}" height="${f(bottom - top - h * 0.05)}" fill="${
          hsl(0, 0, rng.range(30, 40))
        }"/>`;
      // roadside boards of random widths and colours: big structure that makes the scroll visible
      for (let x = 0; x < w;) {
        const bw = w * rng.range(0.05, 0.15);
        s += `<rect x="${f(x)}" y="${f(top * rng.range(0.2, 0.6))}" width="${f(bw)}" height="${
          f(top)
        }" fill="${hsl(rng.range(0, 360), rng.range(40, 90), rng.range(25, 70))}"/>`;
        x += bw + w * rng.range(0.02, 0.1);
      }
      const dash = w / 8;
      for (let x = 0; x < w; x += dash) {
        s +=
          `<rect x="${f(x)}" y="${f((top + bottom) / 2)}" width="${f(dash * 0.5)}" height="${
            f(h * 0.02)
          }" fill="#fff"/>` +
          `<rect x="${f(x)}" y="${f(top + h * 0.05)}" width="${f(dash * 0.5)}" height="${
            f(h * 0.025)
          }" fill="#d00"/>`;
      }
      return svgDoc(w, h, s);
    }
    case "sports":
      return sceneSvg("sports", w, h, rng);
    case "generic":
      return sceneSvg("generic", w + 2 * GENERIC_MARGIN(w, h), h + 2 * GENERIC_MARGIN(w, h), rng);
    case "gaming":
      return undefined;
  }
}

const BALL_SVG = (d: number) =>
  svgDoc(
    d,
    d,
    `<circle cx="${d / 2}" cy="${d / 2}" r="${d / 2 - 1}" fill="#fff" stroke="#111" stroke-width="1"/>`,
  );

/** The ffmpeg command line for `spec` (inputs, filter graph, encoder settings), given its backdrop files. */
export function ffmpegArgs(
  spec: VideoPlan,
  outPath: string,
  files: { backdrop?: string; ball?: string },
  rng: Prng,
): string[] {
  const { width: w, height: h, fps, duration: d } = spec;
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"];
  const still = (path: string) => ["-i", path];
  // decode the still once and repeat it in the graph (cheaper than `-loop 1`, which decodes every frame)
  const repeat = (input: number) =>
    `[${input}:v]loop=loop=-1:size=1:start=0,setpts=N/${fps}/TB,fps=${fps},trim=duration=${d},format=yuv420p`;
  let graph: string;
  if (spec.motion === "gaming") {
    const cell = rng.pick([4, 6, 8]);
    const life =
      `life=s=${Math.ceil(w / cell)}x${Math.ceil(h / cell)}:rate=${fps}:ratio=${f(rng.range(0.2, 0.5))}` +
      `:seed=${spec.seed % 100000}:mold=${rng.int(5, 20)}:life_color=${
        rng.pick(["#33ff66", "#ffee22", "#22ddff"])
      }` +
      `:death_color=#101018:mold_color=${rng.pick(["#aa22cc", "#2244aa", "#cc4411"])}`;
    args.push("-f", "lavfi", "-t", String(d), "-i", life);
    graph = `[0:v]scale=${w}:${h}:flags=neighbor,format=yuv420p[v]`;
  } else {
    args.push(...still(files.backdrop!));
    switch (spec.motion) {
      case "dance":
        graph = `${repeat(0)},hue=H=2*PI*t*${f(rng.range(0.8, 2))}:s=1.6,` +
          `eq=brightness=0.22*sin(2*PI*t*${f(rng.range(2, 4))}):eval=frame[v]`;
        break;
      case "timelapse":
        graph = `${repeat(0)},scroll=h=${(rng.range(0.001, 0.004)).toFixed(4)},` +
          `fade=t=out:st=0:d=${d}:color=0x0a0a28[v]`;
        break;
      case "racing":
        graph = `${repeat(0)},scroll=h=${(rng.range(0.03, 0.07)).toFixed(3)},` +
          `drawbox=x=${Math.round(w * 0.4)}:y=${Math.round(h * 0.55)}:w=${Math.round(w * 0.2)}:h=${
            Math.round(h * 0.12)
          }:c=${rng.pick(["red", "yellow", "blue"])}:t=fill[v]`;
        break;
      case "sports":
        args.push(...still(files.ball!));
        graph = `${repeat(0)}[bg];[1:v]loop=loop=-1:size=1:start=0,setpts=N/${fps}/TB[ball];` +
          `[bg][ball]overlay=x='W/2+W/3*sin(t*${f(rng.range(1.5, 3))})-w/2':` +
          `y='H/2+H/4*sin(t*${f(rng.range(2, 4))})-h/2':shortest=1,format=yuv420p[v]`;
        break;
      default:
        // a handheld look: the oversized backdrop drifts under a fixed-size crop
        graph = `${
          repeat(0)
        },crop=w=${w}:h=${h}:x='(iw-ow)/2*(1+sin(t*1.3))':y='(ih-oh)/2*(1+sin(t*0.9))'[v]`;
    }
  }
  const audioIndex = spec.motion === "sports" ? 2 : 1;
  if (spec.audio) {
    args.push("-f", "lavfi", "-i", `sine=frequency=${rng.int(220, 880)}:sample_rate=24000:duration=${d}`);
  }
  args.push("-filter_complex", graph, "-map", "[v]");
  if (spec.audio) args.push("-map", `${audioIndex}:a`);
  if (spec.container === "mp4") {
    args.push(
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-crf",
      "32",
      "-threads",
      "1",
      "-g",
      String(fps * 2),
    );
    if (spec.audio) args.push("-c:a", "aac", "-b:a", "32k", "-ac", "1");
  } else {
    args.push(
      ...["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-crf", "42", "-b:v", "200k"],
      ...["-threads", "1", "-row-mt", "0", "-g", String(fps * 2)],
    );
    if (spec.audio) args.push("-c:a", "libopus", "-b:a", "24k", "-ac", "1");
  }
  args.push(
    "-r",
    String(fps),
    "-t",
    String(d),
    "-fflags",
    "+bitexact",
    "-flags",
    "+bitexact",
    "-map_metadata",
    "-1",
  );
  args.push(outPath);
  return args;
}

/** Renders `spec` into `<baseDir>/<spec.path>` and returns the number of bytes written. */
export async function renderVideo(
  spec: VideoPlan,
  baseDir: string,
  options: RenderVideoOptions = {},
): Promise<number> {
  const { ffmpegPath = "ffmpeg" } = options;
  const ownTmp = options.tmpDir === undefined;
  const tmpDir = options.tmpDir ?? await Deno.makeTempDir({ prefix: "sample-video-" });
  const rng = new Prng(spec.seed);
  const stem = spec.path.replace(/^.*\//, "").replace(/\.\w+$/, "");
  const outPath = `${baseDir}/${spec.path}`;
  const files: { backdrop?: string; ball?: string } = {};
  try {
    const svg = backdropSvg(spec.motion, spec.width, spec.height, rng);
    if (svg) {
      files.backdrop = `${tmpDir}/${stem}-bg.png`;
      await sharp(new TextEncoder().encode(svg)).png({ compressionLevel: 1 }).toFile(files.backdrop);
    }
    if (spec.motion === "sports") {
      files.ball = `${tmpDir}/${stem}-ball.png`;
      const d = Math.max(8, Math.round(spec.height / 10));
      await sharp(new TextEncoder().encode(BALL_SVG(d))).png().toFile(files.ball);
    }
    const args = ffmpegArgs(spec, outPath, files, rng);
    const out = await new Deno.Command(ffmpegPath, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
      throw new Error(`Cannot encode video "${spec.path}": ffmpeg exited with code "${out.code}": ${err}`);
    }
    return (await Deno.stat(outPath)).size;
  } finally {
    if (ownTmp) await Deno.remove(tmpDir, { recursive: true });
    else {
      for (const p of Object.values(files)) await Deno.remove(p).catch(() => {});
    }
  }
}
