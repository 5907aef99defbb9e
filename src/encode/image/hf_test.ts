import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import type { RawImage } from "@/core/mod.ts";
import { createHfImageEncoder } from "./hf.ts";
import {
  buildTinyImageModel,
  TINY_HIDDEN,
  TINY_IMAGE_SIZE,
  tinyImageWeights,
} from "../../../tools/models/tiny_models.ts";

const S = TINY_IMAGE_SIZE;

function pattern(seed: number): RawImage {
  const data = Uint8Array.from({ length: S * S * 3 }, (_, i) => (i * (7 + seed) + seed * 31) % 256);
  return { data, width: S, height: S, channels: 3 };
}

/** Patch states by hand: tanh(conv8x8/8 of (p/255 - 0.5)/0.5), as [patch][channel]. */
function patchStates(img: RawImage): number[][] {
  const { kernel, bias } = tinyImageWeights();
  const patches: number[][] = [];
  for (let py = 0; py < S / 8; py++) {
    for (let px = 0; px < S / 8; px++) {
      const v: number[] = [];
      for (let k = 0; k < TINY_HIDDEN; k++) {
        let z = bias[k];
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < 8; y++) {
            for (let x = 0; x < 8; x++) {
              const p = img.data[((py * 8 + y) * S + px * 8 + x) * 3 + c];
              z += kernel[((k * 3 + c) * 8 + y) * 8 + x] * ((p / 255 - 0.5) / 0.5);
            }
          }
        }
        v.push(Math.tanh(z));
      }
      patches.push(v);
    }
  }
  return patches;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("createHfImageEncoder() on a tiny ViT-like model in Hugging Face layout", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hf_image_test_" });
  const folder = await buildTinyImageModel(join(dir, "tiny-vit"));
  const enc = await createHfImageEncoder(folder, { normalize: false });
  try {
    const imgs = [pattern(1), pattern(2), pattern(3)];
    const out = await enc.encode(imgs);

    await t.step("gives one pooled vector per image, equal to the hand-computed pooler output", () => {
      assert.equal(enc.dim, TINY_HIDDEN);
      assert.equal(enc.modality, "image");
      assert.equal(out.length, 3);
      for (let i = 0; i < imgs.length; i++) {
        const states = patchStates(imgs[i]);
        const mean = Array.from(
          { length: TINY_HIDDEN },
          (_, k) => states.reduce((s, p) => s + p[k], 0) / states.length,
        );
        assert.ok(maxAbsDiff(out[i], mean) < 1e-4, `image ${i}`);
      }
      assert.ok(maxAbsDiff(out[0], out[1]) > 1e-3, "different images differ");
    });

    await t.step("mean and cls pooling read last_hidden_state", async () => {
      const cls = await createHfImageEncoder(folder, { normalize: false, pooling: "cls" });
      const mean = await createHfImageEncoder(folder, { normalize: false, pooling: "mean" });
      try {
        const [c] = await cls.encode([imgs[0]]);
        assert.ok(maxAbsDiff(c, patchStates(imgs[0])[0]) < 1e-4);
        const [m] = await mean.encode([imgs[0]]);
        assert.ok(maxAbsDiff(m, out[0]) < 1e-5);
      } finally {
        await cls.close();
        await mean.close();
      }
    });

    await t.step("decodes PNG bytes and files to the same vectors, and is deterministic", async () => {
      const png = new Uint8Array(
        await sharp(imgs[1].data, { raw: { width: S, height: S, channels: 3 } }).png().toBuffer(),
      );
      const path = join(dir, "img.png");
      await Deno.writeFile(path, png);
      const [fromBytes, fromFile] = await enc.encode([png, path]);
      assert.ok(maxAbsDiff(fromBytes, out[1]) < 1e-6);
      assert.ok(maxAbsDiff(fromFile, out[1]) < 1e-6);
      assert.deepEqual(await enc.encode(imgs), out);
    });

    await t.step("L2-normalizes by default", async () => {
      const unit = await createHfImageEncoder(folder);
      try {
        const [v] = await unit.encode([imgs[2]]);
        const n = Math.hypot(...out[2]);
        assert.ok(maxAbsDiff(v, out[2].map((x) => x / n)) < 1e-6);
      } finally {
        await unit.close();
      }
    });
  } finally {
    await enc.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createHfImageEncoder() names the missing preprocessor_config.json and model file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_image_missing_" });
  try {
    await assert.rejects(
      () => createHfImageEncoder(dir),
      /Cannot load image model from folder ".*": missing "config.json", "preprocessor_config.json", "onnx\/model.onnx/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
