/**
 * The default offline image encoder: MobileNetV2 (weights shipped in `nsfwjs`, see
 * {@linkcode ./mobilenet_weights.ts}) as an ONNX graph run on onnxruntime-node (native, multi-threaded).
 * The graph is converted from the Keras weights by `deno task models build` (tools/models/), once per
 * machine, into `cacheDir` under a name keyed by the weights' hash, the converter version and the
 * options; this module only loads it.
 *
 * Embeddings: `flatten_1` (default, 1280-d) or any earlier layer, e.g. `"block_10_project_BN"` (96-d),
 * `"block_10_expand_relu"` (384-d), the last layers that nsfwjs did not retrain.
 *
 * Speed (best of runs, 224x224, 2 threads): see `benchEncode()`; on 2 quiet Xeon cores onnxruntime ran
 * this architecture at 190-235 images/s against 40-74 for TorchScript, and it is 9-15x the single-thread
 * tfjs-wasm path on the shared 2-core dev VM.
 *
 * GPU: `device` picks the execution provider through ../ort_session.ts: "webgpu" (in the npm binary; needs
 * a Vulkan loader and driver), "cuda" (after `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install`), or "auto"
 * (cuda > webgpu > cpu); `runtime` says which one runs. On a GPU take `layout: "nhwc-u8"` (the decoded
 * bytes go to the device as they are: a quarter of the float copy, which dominated a WebGPU run) and,
 * where 1e-2 cosine is close enough, `precision: "fp16"`. `deno task bench gpu` measures them.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { packBatch, packBytes, toRgbSquare } from "./input.ts";
import type { ImageInput } from "@/core/mod.ts";
import type { Encoder } from "../encoder.ts";
import { createOrtSession, describeProvider, type OrtDevice } from "../ort_session.ts";
import { MOBILENET_SIZE as SIZE, type MobileNetGraphOptions, mobileNetOnnxPath } from "./mobilenet_graph.ts";
import { loadMobileNetWeights, MOBILENET_DEFAULT_LAYER } from "./mobilenet_weights.ts";

/** Options of {@linkcode createMobileNetEncoder}. */
export interface MobileNetOptions extends MobileNetGraphOptions {
  /** Folder for converted .onnx files. @default "data/cache/encoders" */
  cacheDir?: string;
  /** Images per onnxruntime run. @default 16 */
  batchSize?: number;
  /** onnxruntime intra-op threads. @default 2 */
  threads?: number;
  /** How images are fitted into 224x224. @default "cover" */
  fit?: "cover" | "fill" | "contain";
  /**
   * Let onnxruntime's worker threads spin while waiting for work: a little faster on idle cores, much
   * slower when other work (sharp decoding, other jobs) shares them. @default false
   */
  spinning?: boolean;
  /** Execution provider (../ort_session.ts; "auto": cuda > webgpu > cpu). @default "cpu" */
  device?: OrtDevice;
}

/** Loads the onnxruntime MobileNetV2 encoder (see the module doc for options and outputs). */
export async function createMobileNetEncoder(options: MobileNetOptions = {}): Promise<Encoder<"image">> {
  const {
    layer = MOBILENET_DEFAULT_LAYER,
    layout = "nchw",
    precision = "fp32",
    batchSize = 16,
    threads = 2,
    fit = "cover",
    spinning = false,
    device = "cpu",
  } = options;
  const weights = await loadMobileNetWeights();
  const { path, dim } = await mobileNetOnnxPath(weights, {
    layer,
    layout,
    precision,
    cacheDir: options.cacheDir,
  });
  const info = await createOrtSession(path, {
    device,
    threads,
    session: device === "cpu"
      ? {
        executionMode: "sequential",
        extra: { session: { intra_op: { allow_spinning: spinning ? "1" : "0" } } },
      }
      : {},
  });
  const { session } = info;
  // the graph it runs, by hash, for run manifests (built from the weights, so it changes with them)
  const graphHash = createHash("sha256").update(await Deno.readFile(path)).digest("hex");
  const shape = (n: number) => (layout === "nchw" ? [n, 3, SIZE, SIZE] : [n, SIZE, SIZE, 3]);
  const id = `mobilenet-v2@${layer}`;
  let closed = false;
  return {
    id,
    // fp16 embeddings differ (within 1e-2 cosine): a feature cache keeps them apart.
    version: `nsfwjs-${weights.packageVersion}+${weights.hash.slice(0, 12)}+fit-${fit}${
      precision === "fp32" ? "" : `+${precision}`
    }`,
    modality: "image",
    dim,
    runtime: `onnxruntime-node ${describeProvider(info)}`,
    files: { [basename(path)]: graphHash },
    async encode(batch: ImageInput[]): Promise<Float32Array[]> {
      if (closed) throw new Error(`Cannot encode with "${id}": the encoder is closed`);
      const out: Float32Array[] = [];
      // Decode the next chunk while onnxruntime runs the current one.
      const decode = (i: number) =>
        Promise.all(batch.slice(i, i + batchSize).map((img) => toRgbSquare(img, SIZE, { fit })));
      let next = batch.length > 0 ? decode(0) : undefined;
      for (let i = 0; i < batch.length; i += batchSize) {
        const images = await next!;
        next = i + batchSize < batch.length ? decode(i + batchSize) : undefined;
        next?.catch(() => {}); // a decode error surfaces when awaited above, not as an unhandled rejection
        const x = layout === "nhwc-u8"
          ? new ort.Tensor("uint32", packBytes(images, SIZE), [images.length, (SIZE * SIZE * 3) / 4])
          : new ort.Tensor("float32", packBatch(images, SIZE, layout), shape(images.length));
        const result = await session.run({ input: x });
        const flat = result.embedding.data as Float32Array;
        for (let j = 0; j < images.length; j++) out.push(flat.slice(j * dim, (j + 1) * dim));
      }
      return out;
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await session.release();
      }
    },
  };
}
