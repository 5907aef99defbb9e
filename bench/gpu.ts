/**
 * The image encoder (MobileNetV2, the nsfwjs weights) on a tfjs backend — the WebGPU figure of the
 * encode benchmark. Each batch goes the whole way a real one does: pixels uploaded from the host,
 * forward pass, pooled embeddings read back; once through tfjs' own upload, once through
 * {@linkcode uploadFloat32}, and once with the pixels already on the device (compute alone).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadMobileNetTfjs } from "@/encode/mod.ts";
import { type BackendRequest, selectBackend, uploadFloat32 } from "@/model/mod.ts";
import { createRng } from "@/core/mod.ts";
import { benchTrain } from "./train.ts";

/** Options of {@linkcode benchImageEncoderOnBackend}. */
export interface BenchImageEncoderOptions {
  /** @default "webgpu" */
  backend?: BackendRequest;
  /** Images embedded per batch size and upload path. @default 1024 */
  images?: number;
  /** @default [16, 64, 256] */
  batchSizes?: number[];
}

const SIZE = 224;
type Upload = "tfjs" | "write_buffer" | "resident";

/** Images/s of the 1280-d MobileNetV2 embedding at 224x224 per batch size and upload path (best of two). */
export async function benchImageEncoderOnBackend(
  options: BenchImageEncoderOptions = {},
): Promise<Record<string, number | string>> {
  const { backend = "webgpu", images = 1024, batchSizes = [16, 64, 256] } = options;
  const info = await selectBackend({ backend });
  const { full, sub, dim } = await loadMobileNetTfjs();
  const figures: Record<string, number | string> = {
    backend: info.name,
    backend_detail: JSON.stringify(info),
    dim,
  };
  const rng = createRng(7);
  const forward = async (x: tf.Tensor) => {
    const y = tf.tidy(() => {
      const out = sub.predict(x) as tf.Tensor;
      return out.rank === 4 ? out.mean([1, 2]) : out;
    });
    const values = await y.data();
    y.dispose();
    return values.length;
  };
  try {
    for (const batch of batchSizes) {
      const shape = [batch, SIZE, SIZE, 3];
      const pixels = Float32Array.from({ length: batch * SIZE * SIZE * 3 }, () => rng());
      const resident = tf.tensor4d(pixels, [batch, SIZE, SIZE, 3]);
      const embed: Record<Upload, () => Promise<number>> = {
        tfjs: () => withDisposed(tf.tensor(pixels, shape), forward),
        write_buffer: () => withDisposed(uploadFloat32(pixels, shape), forward),
        resident: () => forward(resident),
      };
      for (const [upload, run] of Object.entries(embed)) {
        await run(); // shader compilation, weight upload
        let best = Infinity;
        for (let pass = 0; pass < 2; pass++) {
          const t0 = performance.now();
          for (let done = 0; done < images; done += batch) await run();
          best = Math.min(best, (performance.now() - t0) / 1000);
        }
        const rate = (Math.ceil(images / batch) * batch) / best;
        figures[`mobilenet_tfjs_${info.name}_${upload}_b${batch}_img_s`] = Math.round(rate * 10) / 10;
      }
      resident.dispose();
    }
  } finally {
    full.dispose();
  }
  return figures;
}

async function withDisposed<T>(x: tf.Tensor, use: (x: tf.Tensor) => Promise<T>): Promise<T> {
  try {
    return await use(x);
  } finally {
    x.dispose();
  }
}

/** `deno task bench gpu`: the image encoder and the train benchmark on WebGPU (needs a GPU adapter). */
export async function run(): Promise<Record<string, unknown>> {
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (!adapter || adapter.info.isFallbackAdapter) {
    throw new Error(
      `the gpu benchmark needs a hardware WebGPU adapter, found ${
        adapter ? `only the fallback "${adapter.info.description}"` : "none"
      }: run it on a machine with a GPU and its Vulkan driver (libvulkan1)`,
    );
  }
  return {
    image_encoder: await benchImageEncoderOnBackend({ backend: "webgpu" }),
    train: await benchTrain({ posts: 50_000, backend: "webgpu" }),
  };
}
