import assert from "node:assert/strict";
import sharp from "sharp";
import { Prng } from "./_prng.ts";
import { type Scene, SCENES, sceneSvg } from "./scenes.ts";

/** A 6x4 RGB thumbnail as a feature vector: the colour layout a CNN also sees first. */
async function thumb(scene: Scene, seed: number): Promise<number[]> {
  const rng = new Prng(seed);
  const [w, h] = rng.pick([[320, 240], [240, 320], [400, 225]]);
  const svg = sceneSvg(scene, w, h, rng);
  const raw = await sharp(new TextEncoder().encode(svg)).resize(6, 4, { fit: "fill" }).removeAlpha().raw()
    .toBuffer();
  return Array.from(raw, (v) => v / 255);
}

Deno.test("sceneSvg() draws the same picture for the same seed and another for another seed", () => {
  for (const scene of SCENES) {
    assert.equal(sceneSvg(scene, 100, 80, new Prng(1)), sceneSvg(scene, 100, 80, new Prng(1)));
    assert.notEqual(sceneSvg(scene, 100, 80, new Prng(1)), sceneSvg(scene, 100, 80, new Prng(2)));
  }
});

Deno.test("sceneSvg() scenes are told apart by colour layout alone (nearest centroid on thumbnails)", async () => {
  const train = 6, test = 4;
  const centroids = new Map<Scene, number[]>();
  for (const scene of SCENES) {
    const sum = new Array(72).fill(0);
    for (let s = 0; s < train; s++) (await thumb(scene, s)).forEach((v, i) => sum[i] += v / train);
    centroids.set(scene, sum);
  }
  let right = 0, total = 0;
  for (const scene of SCENES) {
    for (let s = 100; s < 100 + test; s++) {
      const x = await thumb(scene, s);
      let best: Scene = "generic", bestD = Infinity;
      for (const [c, mu] of centroids) {
        const d = mu.reduce((acc, m, i) => acc + (m - x[i]) ** 2, 0);
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (best === scene) right++;
      total++;
    }
  }
  // 12 classes: chance is 8%; a pretrained CNN sees far more than a 6x4 thumbnail
  assert.ok(right / total >= 0.75, `accuracy ${right}/${total}`);
});
