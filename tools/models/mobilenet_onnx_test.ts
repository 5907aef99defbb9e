import assert from "node:assert/strict";
import sharp from "sharp";
import { loadSettings } from "@/config/mod.ts";
import { createEncoder, type Encoder, encoderOptions } from "@/encode/mod.ts";
import { ensureEncoderFiles } from "./mod.ts";
import { buildMobileNetOnnx } from "./mobilenet_onnx.ts";

/** Four different real images (JPEG and PNG, several sizes) drawn with sharp. */
async function makeImages(dir: string): Promise<(string | Uint8Array)[]> {
  const svgs = [
    `<svg width="320" height="240"><rect width="320" height="240" fill="#1e90ff"/>` +
    `<circle cx="160" cy="120" r="80" fill="#ffd700"/></svg>`,
    `<svg width="200" height="300"><defs><linearGradient id="g"><stop offset="0" stop-color="#000"/>` +
    `<stop offset="1" stop-color="#f0f"/></linearGradient></defs><rect width="200" height="300" fill="url(#g)"/>` +
    `<rect x="40" y="60" width="120" height="50" fill="#0f0"/></svg>`,
    `<svg width="224" height="224"><rect width="224" height="224" fill="#fff"/>` +
    `<path d="M10 200 L112 20 L214 200 Z" fill="#c00"/><text x="60" y="190" font-size="40">ok</text></svg>`,
    `<svg width="500" height="400"><rect width="500" height="400" fill="#333"/>` +
    Array.from(
      { length: 12 },
      (_, i) =>
        `<rect x="${i * 40}" y="${(i * 53) % 300}" width="30" height="90" fill="#${
          (i * 0x151515 + 0x204080).toString(16).slice(-6)
        }"/>`,
    ).join("") + `</svg>`,
  ];
  const out: (string | Uint8Array)[] = [];
  for (const [i, svg] of svgs.entries()) {
    const img = sharp(new TextEncoder().encode(svg));
    if (i % 2 === 0) {
      const path = `${dir}/img${i}.jpg`;
      await img.jpeg({ quality: 90 }).toFile(path);
      out.push(path);
    } else {
      out.push(new Uint8Array(await img.png().toBuffer()));
    }
  }
  return out;
}

function compare(a: Float32Array, b: Float32Array): { maxAbs: number; cosine: number } {
  let maxAbs = 0, dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return { maxAbs, cosine: dot / Math.sqrt(na * nb) };
}

Deno.test("MobileNetV2 converted to ONNX and run on onnxruntime", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mobilenet_test_" });
  const cacheDir = `${dir}/cache`;
  const images = await makeImages(dir);
  const encoders: Encoder<"image">[] = [];
  try {
    await buildMobileNetOnnx(cacheDir);
    const onnx = await createEncoder("image", "mobilenet-v2", { cacheDir, batchSize: 4 });
    encoders.push(onnx);
    const tfjs = await createEncoder("image", "mobilenet-v2-tfjs", { batchSize: 4 });
    encoders.push(tfjs);
    const got = await onnx.encode(images);

    await t.step("gives one 1280-d embedding per image", () => {
      assert.equal(onnx.dim, 1280);
      assert.equal(got.length, images.length);
      for (const v of got) {
        assert.equal(v.length, 1280);
        assert.ok(v.every(Number.isFinite));
        assert.ok(v.some((x) => x > 0), "embedding is not all zeros");
      }
      // Different images give clearly different embeddings.
      assert.ok(compare(got[0], got[1]).cosine < 0.99);
    });

    await t.step("matches the tfjs-wasm reference within 1e-3 (cosine > 0.9999)", async () => {
      const ref = await tfjs.encode(images);
      assert.equal(tfjs.dim, 1280);
      for (let i = 0; i < images.length; i++) {
        const { maxAbs, cosine } = compare(got[i], ref[i]);
        assert.ok(maxAbs < 1e-3, `image ${i}: max abs diff ${maxAbs}`);
        assert.ok(cosine > 0.9999, `image ${i}: cosine ${cosine}`);
      }
    });

    await t.step("is deterministic and gives the same result in a batch as alone", async () => {
      const again = await onnx.encode(images);
      for (let i = 0; i < images.length; i++) assert.deepEqual(again[i], got[i]);
      for (let i = 0; i < images.length; i++) {
        const [single] = await onnx.encode([images[i]]);
        assert.ok(compare(single, got[i]).maxAbs < 1e-5, `image ${i} alone differs`);
      }
    });

    await t.step("the NHWC graph (Transpose inside) equals the NCHW graph", async () => {
      await buildMobileNetOnnx(cacheDir, { layout: "nhwc" });
      const nhwc = await createEncoder("image", "mobilenet-v2", { cacheDir, layout: "nhwc" });
      encoders.push(nhwc);
      const out = await nhwc.encode(images.slice(0, 2));
      for (let i = 0; i < 2; i++) assert.ok(compare(out[i], got[i]).maxAbs < 1e-5);
    });

    await t.step("an earlier ImageNet-only layer is pooled and matches tfjs too", async () => {
      await buildMobileNetOnnx(cacheDir, { layer: "block_10_project_BN" });
      const early = await createEncoder("image", "mobilenet-v2", { cacheDir, layer: "block_10_project_BN" });
      const earlyRef = await createEncoder("image", "mobilenet-v2-tfjs", { layer: "block_10_project_BN" });
      encoders.push(early, earlyRef);
      assert.equal(early.dim, 96);
      assert.equal(early.id, "mobilenet-v2@block_10_project_BN");
      const [a, b] = [await early.encode(images.slice(0, 2)), await earlyRef.encode(images.slice(0, 2))];
      for (let i = 0; i < 2; i++) {
        const { maxAbs, cosine } = compare(a[i], b[i]);
        assert.ok(maxAbs < 1e-3 && cosine > 0.9999, `image ${i}: ${maxAbs} ${cosine}`);
      }
    });

    await t.step(
      "converts once: building again and a second encoder reuse the built .onnx file",
      async () => {
        const files = [...Deno.readDirSync(cacheDir)].map((e) => e.name).filter((n) => n.endsWith(".onnx"))
          .sort();
        assert.equal(files.length, 3); // flatten_1 nchw, flatten_1 nhwc, block_10_project_BN nchw
        const before = Deno.statSync(`${cacheDir}/${files[0]}`).mtime?.getTime();
        assert.equal((await buildMobileNetOnnx(cacheDir)).built, false);
        const again = await createEncoder("image", "mobilenet-v2", { cacheDir });
        encoders.push(again);
        assert.equal(Deno.statSync(`${cacheDir}/${files[0]}`).mtime?.getTime(), before);
        assert.equal([...Deno.readDirSync(cacheDir)].filter((e) => e.name.endsWith(".onnx")).length, 3);
        const [v] = await again.encode([images[0]]);
        assert.ok(compare(v, got[0]).maxAbs < 1e-5);
      },
    );

    await t.step(
      "the nhwc-u8 graph (bytes in, 4 to a uint32 word) equals the NCHW graph within 1e-4",
      async () => {
        await buildMobileNetOnnx(cacheDir, { layout: "nhwc-u8" });
        const u8 = await createEncoder("image", "mobilenet-v2", {
          cacheDir,
          layout: "nhwc-u8",
          batchSize: 3,
        });
        encoders.push(u8);
        assert.equal(u8.version, onnx.version);
        const out = await u8.encode(images);
        for (let i = 0; i < images.length; i++) {
          const { maxAbs } = compare(out[i], got[i]);
          assert.ok(maxAbs < 1e-4, `image ${i}: max abs diff ${maxAbs}`);
        }
      },
    );

    await t.step(
      "ENCODER_DEVICE=auto builds and opens the bytes graph on the first provider that works, and says which",
      async () => {
        const settings = { ...loadSettings({ ENCODER_CACHE_DIR: cacheDir }), encoderDevice: "auto" as const };
        const { path } = await ensureEncoderFiles(settings);
        assert.match(path, /nhwc-u8/);
        const auto = await createEncoder("image", "mobilenet-v2", encoderOptions(settings));
        encoders.push(auto);
        // Same version as the float graph: both share the feature cache.
        assert.equal(auto.version, onnx.version);
        // cuda's libraries are not in the npm package, so auto never takes it silently: it says why.
        assert.match(auto.runtime ?? "", /cuda passed over: no libonnxruntime_providers_cuda\.so/);
        const out = await auto.encode(images);
        for (let i = 0; i < images.length; i++) {
          assert.ok(compare(out[i], got[i]).maxAbs < 1e-4, `image ${i}`);
        }
      },
    );

    await t.step("the fp16 graph stays within 1e-2 cosine of fp32 and says so in its version", async () => {
      await buildMobileNetOnnx(cacheDir, { layout: "nhwc-u8", precision: "fp16" });
      const half = await createEncoder("image", "mobilenet-v2", {
        cacheDir,
        layout: "nhwc-u8",
        precision: "fp16",
      });
      encoders.push(half);
      assert.match(half.version, /\+fp16$/);
      const out = await half.encode(images);
      for (let i = 0; i < images.length; i++) {
        const { maxAbs, cosine } = compare(out[i], got[i]);
        assert.ok(cosine > 0.99, `image ${i}: cosine ${cosine}`);
        assert.ok(maxAbs > 0, "fp16 is not the fp32 graph");
      }
    });

    await t.step("says which image it cannot decode", async () => {
      await assert.rejects(
        () => onnx.encode([new Uint8Array([1, 2, 3, 4])]),
        /Cannot decode image "<4 bytes>"/,
      );
    });

    await t.step("rejects an unknown layer by name", async () => {
      await assert.rejects(() => buildMobileNetOnnx(cacheDir, { layer: "nope" }), /unknown layer "nope"/);
    });

    await t.step("an encoder whose graph is not built says which command builds it", async () => {
      await assert.rejects(
        () => createEncoder("image", "mobilenet-v2", { cacheDir, layer: "block_10_expand_relu" }),
        /Cannot load MobileNetV2 ".*": it is not built yet .*run deno task models build --layer block_10_expand_relu/,
      );
    });
  } finally {
    for (const e of encoders) await e.close();
    await Deno.remove(dir, { recursive: true });
  }
});
