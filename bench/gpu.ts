/**
 * `deno task bench gpu`: the product's encoders on the GPU beside PyTorch on the same machine, in one run.
 *
 * First bench/gpu_peer.py (PyTorch) prepares the inputs — 2,048 JPEG photos and a full-size random
 * MiniLM-L12-shaped BERT exported to ONNX, never committed — and measures its column; then this side
 * measures, on the execution provider the session factory picks (src/encode/ort_session.ts, recorded):
 * - MobileNetV2 (the product's graph, NCHW and NHWC input) at batch 16/64/256: a fresh host tensor every
 *   run (host→device copy included) and the embeddings read back; the CPU provider on every core beside;
 * - JPEG files → embeddings end to end: sharp decodes and resizes batches ahead (`inFlight`) while the
 *   GPU runs the current one;
 * - the hf-text encoder (tokenizer, pooling and normalisation included) on the MiniLM at batch 64/256,
 *   sequence length 128, and its agreement with PyTorch's embeddings.
 *
 * Needs: python3 with torch/torchvision/transformers (the GPU machine's), the MobileNetV2 graphs in the
 * encoder cache (`deno task models build`, both layouts), and for WebGPU a Vulkan loader and driver.
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
import { packBatch, toRgbSquare } from "../src/encode/image/input.ts";

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

async function findGraph(dir: string, layout: "nchw" | "nhwc"): Promise<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith("mobilenet_v2-") && e.name.endsWith(`-flatten_1-${layout}.onnx`)) {
      return join(dir, e.name);
    }
    if (layout === "nchw" && /^mobilenet_v2-.*-flatten_1\.onnx$/.test(e.name)) return join(dir, e.name);
  }
  throw new Error(
    `Cannot find the MobileNetV2 ${layout} graph in "${dir}": run deno task models build --layout ${layout}`,
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

/** MobileNetV2 images/s per batch size on `device`; a new host tensor (of two buffers) every run. */
async function mobilenet(path: string, layout: "nchw" | "nhwc", device: OrtDevice, images: number) {
  const info = await createOrtSession(path, { device, threads: navigator.hardwareConcurrency });
  const out: Record<string, number | string> = { provider: describeProvider(info) };
  const outputs: Float32Array[] = [];
  try {
    for (const batch of [16, 64, 256]) {
      const shape = layout === "nchw" ? [batch, 3, SIZE, SIZE] : [batch, SIZE, SIZE, 3];
      const hosts = [0, 1].map((k) =>
        Float32Array.from({ length: batch * 3 * SIZE * SIZE }, (_, i) => ((i * 7 + k) % 255) / 255)
      );
      const runs = Math.max(4, Math.ceil(images / batch));
      const rate = await bestRate(async () => {
        for (let r = 0; r < runs; r++) {
          const x = new ort.Tensor("float32", hosts[r % 2].slice(), shape);
          const y = await info.session.run({ input: x });
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

/** JPEG files → embeddings: decode `inFlight` batches ahead on the host while the GPU runs. */
async function jpegEndToEnd(
  path: string,
  files: string[],
  device: OrtDevice,
  batch: number,
  inFlight: number,
) {
  const info = await createOrtSession(path, { device, threads: navigator.hardwareConcurrency });
  const decode = (i: number) =>
    Promise.all(files.slice(i, i + batch).map((f) => toRgbSquare(f, SIZE, { fit: "cover" })))
      .then((imgs) => packBatch(imgs, SIZE, "nchw"));
  try {
    const rate = await bestRate(
      async () => {
        const ahead: Promise<Float32Array>[] = [];
        let next = 0;
        const fill = () => {
          while (ahead.length < inFlight && next < files.length) {
            ahead.push(decode(next));
            next += batch;
          }
        };
        fill();
        while (ahead.length > 0) {
          const pixels = await ahead.shift()!;
          fill();
          const n = pixels.length / (3 * SIZE * SIZE);
          await info.session.run({ input: new ort.Tensor("float32", pixels, [n, 3, SIZE, SIZE]) });
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
  const nchw = await findGraph(settings.encoderCacheDir, "nchw");
  const gpuNchw = await mobilenet(nchw, "nchw", device, 1024);
  product.mobilenet_nchw = gpuNchw.figures;
  const nhwc = await findGraph(settings.encoderCacheDir, "nhwc").catch(() => undefined);
  if (nhwc) product.mobilenet_nhwc = (await mobilenet(nhwc, "nhwc", device, 1024)).figures;
  const cpu = await mobilenet(nchw, "nchw", "cpu", 512);
  product.mobilenet_cpu_all_cores = cpu.figures;
  product.mobilenet_min_cosine_gpu_vs_cpu = Math.min(
    ...Array.from(
      { length: 16 },
      (_, i) =>
        cosine(
          gpuNchw.first.subarray(i * 1280, (i + 1) * 1280),
          cpu.first.subarray(i * 1280, (i + 1) * 1280),
        ),
    ),
  );
  const files = [...Deno.readDirSync(join(work, "jpeg"))].map((e) => join(work, "jpeg", e.name)).sort();
  for (const [batch, inFlight] of [[64, 4], [128, 4], [256, 3]]) {
    const r = await jpegEndToEnd(nchw, files, device, batch, inFlight);
    product[`jpeg_files_to_embeddings_b${batch}_inflight${inFlight}_img_s`] = r.rate;
    product.jpeg_provider = r.provider;
  }
  const texts: string[] = JSON.parse(await Deno.readTextFile(join(work, "texts.json")));
  const peerEmb: number[][] = JSON.parse(await Deno.readTextFile(join(work, "peer_embeddings.json")));
  product.hf_minilm = await hfText(join(work, "minilm"), texts, device, [64, 256], peerEmb);
  product.hf_minilm_cpu_all_cores = await hfText(join(work, "minilm"), texts.slice(0, 256), "cpu", [64]);
  return { product, torch, jpeg_files: files.length, texts: texts.length };
}
