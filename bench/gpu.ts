/**
 * `deno task bench gpu`: the product's encoders on the GPU beside PyTorch on the same machine, in one run.
 *
 * First bench/gpu_peer.py (PyTorch) prepares the inputs — 2,048 JPEG photos and a full-size random
 * MiniLM-L12-shaped BERT exported to ONNX, never committed — and measures its column; then this side
 * measures, on the execution provider the session factory picks (src/encode/ort_session.ts, recorded):
 * - MobileNetV2 at batch 16/64/256 on three graphs: NCHW float input (as before), `nhwc-u8` (the decoded
 *   bytes, a quarter of the copy) and `nhwc-u8` fp16; every run copies its batch to the GPU and the
 *   embeddings back; fp16's agreement with fp32 (cosine); the CPU provider on every core beside;
 * - JPEG files → embeddings end to end on the nhwc-u8 graph: batches decode ahead (`inFlight`) while the
 *   GPU runs the current one, on the main thread (the encoder's sharp decode) and on a pool of workers
 *   (./_decode_pool.ts, one per core) with sharp and with the preprocess stage's libjpeg-turbo decode;
 * - the hf-text encoder (tokenizer, pooling and normalisation included) on the MiniLM at batch 64/256,
 *   sequence length 128, and its agreement with PyTorch's embeddings.
 *
 * Needs: python3 with torch/torchvision/transformers (the GPU machine's), the MobileNetV2 graphs in the
 * encoder cache (`deno task models build`, with `--layout nhwc-u8` and `--layout nhwc-u8 --precision fp16`
 * too), and for WebGPU a Vulkan loader and driver.
 * `BENCH_GPU_WORK` names the work folder (default DATA_DIR/bench/gpu-work), `BENCH_GPU_DEVICE` the
 * provider (default "auto").
 *
 * @module
 */
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { Settings } from "@/config/mod.ts";
// Files, not @/encode/mod.ts: the GPU machine gets only the packages these load (no tfjs, arrow, pglite).
import { createOrtSession, describeProvider, type OrtDevice } from "../src/encode/ort_session.ts";
import { createHfTextEncoder } from "../src/encode/text/hf.ts";
import { packBytes, toRgbSquare } from "../src/encode/image/input.ts";
import { createDecodePool, type DecodePool } from "./_decode_pool.ts";
import type { MobileNetLayout } from "../src/encode/image/mobilenet_graph.ts";

const SIZE = 224;
const round = (x: number) => Math.round(x * 10) / 10;

async function bestRate(run: () => Promise<void>, items: number, passes = 2): Promise<number> {
  await run();
  let best = Infinity;
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return items / best;
}

async function findGraph(dir: string, variant: string): Promise<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith("mobilenet_v2-") && e.name.endsWith(`-flatten_1-${variant}.onnx`)) {
      return join(dir, e.name);
    }
  }
  const [layout, precision = "fp32"] = variant.split(/-(?=fp)/);
  throw new Error(
    `Cannot find the MobileNetV2 ${variant} graph in "${dir}": run deno task models build --layout ${layout}` +
      ` --precision ${precision}`,
  );
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * MobileNetV2 images/s per batch size on `device`. Each run gets a new tensor over one of two host
 * buffers (as PyTorch's column copies one of two host tensors), so every run copies its batch to the GPU
 * and the embeddings back.
 */
async function mobilenet(path: string, layout: MobileNetLayout, device: OrtDevice, images: number) {
  const info = await createOrtSession(path, { device, threads: navigator.hardwareConcurrency });
  const out: Record<string, number | string> = { provider: describeProvider(info) };
  const outputs: Float32Array[] = [];
  try {
    for (const batch of [16, 64, 256]) {
      const pixels = batch * 3 * SIZE * SIZE;
      const hosts = [0, 1].map((k) => {
        const bytes = Uint8Array.from({ length: pixels }, (_, i) => (i * 7 + k) % 255);
        return layout === "nhwc-u8"
          ? new ort.Tensor("uint32", new Uint32Array(bytes.buffer), [batch, pixels / 4 / batch])
          : new ort.Tensor("float32", Float32Array.from(bytes, (b) => b / 255), shapeOf(layout, batch));
      });
      const runs = Math.max(4, Math.ceil(images / batch));
      const rate = await bestRate(async () => {
        for (let r = 0; r < runs; r++) {
          const h = hosts[r % 2];
          const y = await info.session.run({ input: new ort.Tensor(h.type, h.data, h.dims) });
          const data = y.embedding.data as Float32Array;
          if (r === 0 && batch === 16) outputs.push(data.slice());
        }
      }, runs * batch);
      out[`b${batch}_img_s`] = round(rate);
    }
  } finally {
    await info.session.release();
  }
  return { figures: out, first: outputs[0] };
}

function shapeOf(layout: MobileNetLayout, batch: number): number[] {
  return layout === "nchw" ? [batch, 3, SIZE, SIZE] : [batch, SIZE, SIZE, 3];
}

/**
 * JPEG files → embeddings on the `"nhwc-u8"` graph: `inFlight` batches decode ahead (on a pool of
 * workers, or on the main thread when `pool` is undefined) while the GPU runs the current one.
 */
async function jpegEndToEnd(
  path: string,
  files: string[],
  device: OrtDevice,
  batch: number,
  inFlight: number,
  pool?: DecodePool,
) {
  const info = await createOrtSession(path, { device, threads: navigator.hardwareConcurrency });
  const decode = (i: number) =>
    (pool
      ? pool.decode(files.slice(i, i + batch), SIZE)
      : Promise.all(files.slice(i, i + batch).map((f) => toRgbSquare(f, SIZE, { fit: "cover" }))))
      .then((imgs) => packBytes(imgs, SIZE));
  try {
    const rate = await bestRate(
      async () => {
        const ahead: Promise<Uint32Array>[] = [];
        let next = 0;
        const fill = () => {
          while (ahead.length < inFlight && next < files.length) {
            ahead.push(decode(next));
            next += batch;
          }
        };
        fill();
        while (ahead.length > 0) {
          const words = await ahead.shift()!;
          fill();
          const n = (words.length * 4) / (3 * SIZE * SIZE);
          await info.session.run({ input: new ort.Tensor("uint32", words, [n, words.length / n]) });
        }
      },
      files.length,
      1,
    );
    return { provider: describeProvider(info), rate: round(rate) };
  } finally {
    await info.session.release();
  }
}

async function hfText(
  folder: string,
  texts: string[],
  device: OrtDevice,
  batchSizes: number[],
  peer?: number[][],
) {
  const out: Record<string, number | string> = {};
  for (const batchSize of batchSizes) {
    const enc = await createHfTextEncoder(folder, {
      device,
      batchSize,
      threads: navigator.hardwareConcurrency,
    });
    try {
      out.runtime = enc.runtime ?? "";
      out.version = enc.version;
      if (peer) {
        const mine = await enc.encode(texts.slice(0, peer.length));
        out.min_cosine_vs_torch = Math.min(...mine.map((v, i) => cosine(v, peer[i])));
      }
      out[`b${batchSize}_texts_s`] = round(
        await bestRate(async () => void (await enc.encode(texts)), texts.length),
      );
    } finally {
      await enc.close();
    }
  }
  return out;
}

/** The PyTorch column; `BENCH_GPU_PEER_FIGURES` names a file of figures from an earlier run instead. */
async function peer(work: string, fixtures: string): Promise<Record<string, unknown>> {
  const earlier = Deno.env.get("BENCH_GPU_PEER_FIGURES");
  if (earlier) return { ...JSON.parse(await Deno.readTextFile(earlier)), from: earlier };
  const out = await new Deno.Command("python3", {
    args: [new URL("./gpu_peer.py", import.meta.url).pathname, "--work", work, "--fixtures", fixtures],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot measure the PyTorch peer: gpu_peer.py exited ${out.code}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

/** Runs the peer, then the product's side; both columns in one object. */
export async function run(settings: Settings): Promise<Record<string, unknown>> {
  const work = Deno.env.get("BENCH_GPU_WORK") ?? join(settings.dataDir, "bench", "gpu-work");
  const fixtures = join(new URL("..", import.meta.url).pathname, "tests", "fixtures", "hf");
  const torch = await peer(work, fixtures);
  const device = (Deno.env.get("BENCH_GPU_DEVICE") ?? "auto") as OrtDevice;
  const product: Record<string, unknown> = {};
  const u8 = await findGraph(settings.encoderCacheDir, "nhwc-u8");
  const u8fp16 = await findGraph(settings.encoderCacheDir, "nhwc-u8-fp16");
  // The float NCHW graph for comparison, when it is built (the GPU machine's upload limit may leave it out).
  const nchw = await findGraph(settings.encoderCacheDir, "nchw").catch(() => undefined);
  if (nchw) product.mobilenet_nchw_fp32 = (await mobilenet(nchw, "nchw", device, 1024)).figures;
  const gpuU8 = await mobilenet(u8, "nhwc-u8", device, 1024);
  product.mobilenet_u8_fp32 = gpuU8.figures;
  const gpuFp16 = await mobilenet(u8fp16, "nhwc-u8", device, 1024);
  product.mobilenet_u8_fp16 = gpuFp16.figures;
  const cpu = await mobilenet(u8, "nhwc-u8", "cpu", 512);
  product.mobilenet_cpu_all_cores = cpu.figures;
  const minCosine = (a: Float32Array, b: Float32Array) =>
    Math.min(
      ...Array.from(
        { length: 16 },
        (_, i) => cosine(a.subarray(i * 1280, (i + 1) * 1280), b.subarray(i * 1280, (i + 1) * 1280)),
      ),
    );
  product.mobilenet_min_cosine_gpu_vs_cpu = minCosine(gpuU8.first, cpu.first);
  product.mobilenet_fp16_min_cosine_vs_fp32 = minCosine(gpuFp16.first, gpuU8.first);
  const files = [...Deno.readDirSync(join(work, "jpeg"))].map((e) => join(work, "jpeg", e.name)).sort();
  product.jpeg_main_thread_b64_inflight4_img_s = (await jpegEndToEnd(u8, files, device, 64, 4)).rate;
  // Two decoders on a pool of workers, one per core: sharp (the encoder's own toRgbSquare) and the
  // pipeline's preprocess decode (libjpeg-turbo through FFI, then sharp's resize).
  const decoders = {
    sharp: undefined,
    turbojpeg: new URL("./_decode_worker_turbo.ts", import.meta.url),
  } as const;
  for (const [decoder, url] of Object.entries(decoders)) {
    const pool = createDecodePool(navigator.hardwareConcurrency, url);
    product.jpeg_decode_workers = pool.size;
    try {
      for (const [batch, inFlight] of [[64, 4], [128, 4], [256, 3]]) {
        const r = await jpegEndToEnd(u8, files, device, batch, inFlight, pool);
        product[`jpeg_files_to_embeddings_${decoder}_b${batch}_inflight${inFlight}_img_s`] = r.rate;
        product.jpeg_provider = r.provider;
      }
    } finally {
      pool.close();
    }
  }
  const texts: string[] = JSON.parse(await Deno.readTextFile(join(work, "texts.json")));
  const peerEmb: number[][] = JSON.parse(await Deno.readTextFile(join(work, "peer_embeddings.json")));
  product.hf_minilm = await hfText(join(work, "minilm"), texts, device, [64, 256], peerEmb);
  product.hf_minilm_cpu_all_cores = await hfText(join(work, "minilm"), texts.slice(0, 256), "cpu", [64]);
  return { product, torch, jpeg_files: files.length, texts: texts.length };
}
