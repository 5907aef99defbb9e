import assert from "node:assert/strict";
import type { VideoMotion, VideoPlan } from "./plan.ts";
import { renderVideo } from "./video.ts";

const W = 32, H = 24;

/** Decodes a video into small RGB frames. */
async function frames(path: string): Promise<Uint8Array[]> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-vf", `scale=${W}:${H}`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
  }).output();
  assert.ok(out.success);
  const size = W * H * 3;
  return Array.from(
    { length: out.stdout.length / size },
    (_, i) => out.stdout.subarray(i * size, (i + 1) * size),
  );
}

interface Dynamics {
  /** Mean absolute pixel change between consecutive frames. */
  motion: number;
  /** Mean brightness of the last frame / the first. */
  fade: number;
  /** Total variation over time of the frame-mean chroma (hue cycling, strobing). */
  colourSwing: number;
}

function dynamics(fs: Uint8Array[]): Dynamics {
  const mean = (f: Uint8Array, c?: number) => {
    let s = 0, n = 0;
    for (let i = c ?? 0; i < f.length; i += c === undefined ? 1 : 3) (s += f[i], n++);
    return s / n;
  };
  let motion = 0;
  for (let k = 1; k < fs.length; k++) {
    let d = 0;
    for (let i = 0; i < fs[k].length; i++) d += Math.abs(fs[k][i] - fs[k - 1][i]);
    motion += d / fs[k].length / (fs.length - 1);
  }
  // chroma of the frame mean (R-G, B-G), so that a plain fade to dark does not count as a colour change
  const chroma = fs.map((f) => [mean(f, 0) - mean(f, 1), mean(f, 2) - mean(f, 1)]);
  // total variation: a fast back-and-forth colour cycle scores far above a one-way drift
  const swing = [0, 1].map((k) => chroma.slice(1).reduce((s, c, i) => s + Math.abs(c[k] - chroma[i][k]), 0));
  const q = Math.max(1, Math.floor(fs.length / 4));
  const brightness = (part: Uint8Array[]) => part.reduce((s, f) => s + mean(f), 0) / part.length;
  return {
    motion,
    fade: brightness(fs.slice(-q)) / brightness(fs.slice(0, q)),
    colourSwing: Math.max(...swing),
  };
}

Deno.test("renderVideo() gives each video tag its own motion and colour dynamics", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sample-video-test-" });
  try {
    await Deno.mkdir(`${dir}/media`);
    const d: Partial<Record<VideoMotion, Dynamics>> = {};
    for (const motion of ["dance", "timelapse", "racing", "gaming", "sports", "generic"] as const) {
      const spec: VideoPlan = {
        kind: "video",
        path: `media/${motion}.mp4`,
        mime: "video/mp4",
        container: "mp4",
        width: 160,
        height: 120,
        fps: 12,
        duration: 3,
        audio: false,
        motion,
        seed: 5,
      };
      await renderVideo(spec, dir);
      const fs = await frames(`${dir}/${spec.path}`);
      assert.equal(fs.length, 36, motion);
      d[motion] = dynamics(fs);
    }
    const { dance, timelapse, racing, gaming, sports, generic } = d as Record<VideoMotion, Dynamics>;
    // dance: the whole frame's colour swings; nothing else does that
    for (const other of [timelapse, racing, sports, generic]) {
      assert.ok(dance.colourSwing > 3 * other.colourSwing);
    }
    // timelapse: fades to dark, slowly
    assert.ok(timelapse.fade < 0.5 && timelapse.motion < racing.motion, JSON.stringify(timelapse));
    for (const other of [racing, sports, generic]) assert.ok(other.fade > 0.8, JSON.stringify(other));
    // racing and gaming move a lot, a handheld generic clip and a ball over a field much less
    assert.ok(racing.motion > 2 * generic.motion && gaming.motion > 2 * generic.motion, JSON.stringify(d));
    assert.ok(racing.motion > 2 * sports.motion, JSON.stringify(d));
    assert.ok(sports.motion > 0 && generic.motion > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
