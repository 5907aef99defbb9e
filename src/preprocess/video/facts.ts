/** Facts about a clip from its probe and sampled frames: duration, fps, size, audio, scene changes. */
import type { RgbImage } from "@/core/mod.ts";
import type { VideoProbe } from "./probe.ts";

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
