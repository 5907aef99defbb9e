/**
 * The reference MobileNetV2 image encoder: the nsfwjs layers model on `@tensorflow/tfjs` with the wasm
 * backend (SIMD). tfjs-backend-wasm runs single-threaded under Node/Deno (tfjs issue #3830 keeps its
 * thread pool browser-only; forcing `WASM_HAS_MULTITHREAD_SUPPORT` under Deno fails with "WASM backend not
 * initialized"), so this path is slow (about 12 images/s here); it exists to check the ONNX
 * conversion in {@linkcode ./mobilenet.ts} and as a fallback. Use `"mobilenet-v2"` for real work.
 *
 * It switches the process-wide tfjs backend to `"wasm"` (option `backend` to choose another).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { ImageInput } from "@/core/mod.ts";
import type { Encoder } from "../encoder.ts";
import { packBatch, toRgbSquare } from "./input.ts";
import { loadMobileNetTfjs, MOBILENET_DEFAULT_LAYER } from "./mobilenet_weights.ts";

/** Options of {@linkcode createMobileNetTfjsEncoder}. */
export interface MobileNetTfjsOptions {
  /**
   * Layer whose output is the embedding; 4-D outputs are globally average-pooled.
   * @default "flatten_1" (1280-d); `"block_10_project_BN"` (96-d) is the last ImageNet-only layer.
   */
  layer?: string;
  /** Images per forward pass. @default 8 */
  batchSize?: number;
  /** How images are fitted into 224x224. @default "cover" */
  fit?: "cover" | "fill" | "contain";
  /** tfjs backend to use. @default "wasm" */
  backend?: "wasm" | "cpu";
}

const SIZE = 224;
let wasmReady: Promise<void> | undefined;

/** Points tfjs-backend-wasm at its .wasm files inside node_modules (never the network) and selects it. */
export function useTfjsWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    // main is dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
    const dir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
    setWasmPaths(`${dir}/`);
    if (!(await tf.setBackend("wasm"))) throw new Error(`Cannot start tfjs backend "wasm" from "${dir}"`);
    await tf.ready();
  })().catch((err) => {
    wasmReady = undefined;
    throw err;
  });
  return wasmReady;
}

/** Loads the tfjs reference MobileNetV2 encoder (batch semantics as in {@linkcode Encoder}). */
export async function createMobileNetTfjsEncoder(
  options: MobileNetTfjsOptions = {},
): Promise<Encoder<"image">> {
  const { layer = MOBILENET_DEFAULT_LAYER, batchSize = 8, fit = "cover", backend = "wasm" } = options;
  if (backend === "wasm") await useTfjsWasm();
  else await tf.setBackend(backend);
  const { full, sub, dim, weights } = await loadMobileNetTfjs(layer);
  let closed = false;

  async function run(images: Uint8Array[]): Promise<Float32Array[]> {
    const x = tf.tensor4d(packBatch(images, SIZE, "nhwc"), [images.length, SIZE, SIZE, 3]);
    const y = tf.tidy(() => {
      const out = sub.predict(x) as tf.Tensor;
      return out.rank === 4 ? out.mean([1, 2]) : out.reshape([images.length, -1]);
    });
    x.dispose();
    const flat = (await y.data()) as Float32Array;
    y.dispose();
    return images.map((_, i) => flat.slice(i * dim, (i + 1) * dim));
  }

  return {
    id: `mobilenet-v2-tfjs@${layer}`,
    version: `nsfwjs-${weights.packageVersion}+${weights.hash.slice(0, 12)}+fit-${fit}`,
    modality: "image",
    dim,
    async encode(batch: ImageInput[]): Promise<Float32Array[]> {
      if (closed) throw new Error(`Cannot encode with "mobilenet-v2-tfjs@${layer}": the encoder is closed`);
      const out: Float32Array[] = [];
      for (let i = 0; i < batch.length; i += batchSize) {
        const chunk = batch.slice(i, i + batchSize);
        const images = await Promise.all(chunk.map((img) => toRgbSquare(img, SIZE, { fit })));
        out.push(...await run(images));
      }
      return out;
    },
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        full.dispose();
      }
      return Promise.resolve();
    },
  };
}
