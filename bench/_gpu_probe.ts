/**
 * Probe of the WebGPU provider on the GPU machine (#16): what bench/gpu.ts' choices rest on.
 *
 *   deno run -A bench/_gpu_probe.ts OUT ENC WORK main           session options x MobileNetV2 graphs at
 *                                                               batch 16/64/256, onnxruntime profiles
 *                                                               (PROF_DIR) at 256, decoding throughput
 *   deno run -A bench/_gpu_probe.ts OUT ENC WORK text           the MiniLM graph alone (no tokenizer)
 *   deno run -A bench/_gpu_probe.ts OUT ENC WORK verbose G...   node placement (verbose log on stderr)
 *
 * ENC holds the built graphs (`mobilenet_v2-...-flatten_1-{nchw,nhwc-u8,nhwc-u8-fp16}.onnx`), WORK what
 * bench/gpu_peer.py prepares (jpeg/, minilm/). Figures go to OUT/probe_PART.json.
 *
 * @module
 */
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { toRgbSquare } from "../src/encode/image/input.ts";

const [outDir, enc, work, part = "main"] = Deno.args;
const S = 224;
const results: Record<string, unknown> = {};
const save = () =>
  Deno.writeTextFileSync(join(outDir, `probe_${part}.json`), JSON.stringify(results, null, 1));
const graph = (suffix: string) => join(enc, `mobilenet_v2-b7f6ede737eb73a2-c1-flatten_1-${suffix}.onnx`);
const round = (x: number) => Math.round(x * 10) / 10;

function input(kind: "f32" | "u32", batch: number, k: number): ort.Tensor {
  if (kind === "f32") {
    const a = Float32Array.from({ length: batch * 3 * S * S }, (_, i) => ((i * 7 + k) % 255) / 255);
    return new ort.Tensor("float32", a, [batch, 3, S, S]);
  }
  const b = Uint8Array.from({ length: batch * 3 * S * S }, (_, i) => (i * 7 + k) % 255);
  return new ort.Tensor("uint32", new Uint32Array(b.buffer), [batch, (S * S * 3) / 4]);
}

async function rate(
  session: ort.InferenceSession,
  kind: "f32" | "u32",
  batch: number,
  images: number,
): Promise<{ img_s: number; ms_per_run: number }> {
  const hosts = [0, 1].map((k) => input(kind, batch, k));
  const runs = Math.max(3, Math.ceil(images / batch));
  const once = async () => {
    for (let r = 0; r < runs; r++) {
      const h = hosts[r % 2];
      const x = new ort.Tensor(h.type, (h.data as Float32Array | Uint32Array).slice(), h.dims);
      const y = await session.run({ input: x });
      void (y.embedding.data as Float32Array)[0];
    }
  };
  await once();
  let best = Infinity;
  for (let p = 0; p < 2; p++) {
    const t0 = performance.now();
    await once();
    best = Math.min(best, performance.now() - t0);
  }
  return { img_s: round((runs * batch) / (best / 1000)), ms_per_run: round(best / runs) };
}

type Ep = Record<string, unknown>;
async function config(name: string, file: string, kind: "f32" | "u32", ep: Ep, extra = {}, images = 768) {
  const t0 = performance.now();
  try {
    const session = await ort.InferenceSession.create(file, {
      executionProviders: [{ name: "webgpu", ...ep } as ort.InferenceSession.ExecutionProviderConfig],
      graphOptimizationLevel: "all",
      ...extra,
    });
    const out: Record<string, unknown> = {};
    for (const b of [16, 64, 256]) out[`b${b}`] = await rate(session, kind, b, images);
    await session.release();
    out.wall_s = round((performance.now() - t0) / 1000);
    results[name] = out;
  } catch (e) {
    results[name] = { error: String(e) };
  }
  console.error(name, JSON.stringify(results[name]));
  save();
}

async function profile(name: string, file: string, kind: "f32" | "u32", ep: Ep, batch: number) {
  try {
    const profDir = Deno.env.get("PROF_DIR") ?? outDir;
    const prefix = join(profDir, `prof_${name}`);
    const session = await ort.InferenceSession.create(file, {
      executionProviders: [{ name: "webgpu", ...ep } as ort.InferenceSession.ExecutionProviderConfig],
      graphOptimizationLevel: "all",
      enableProfiling: true,
      profileFilePrefix: prefix,
    });
    const x = input(kind, batch, 0);
    for (let i = 0; i < 4; i++) await session.run({ input: x });
    session.endProfiling();
    await session.release();
    const file2 = [...Deno.readDirSync(profDir)].map((e) => e.name).find((n) =>
      n.startsWith(`prof_${name}`)
    )!;
    const events = JSON.parse(Deno.readTextFileSync(join(profDir, file2))) as {
      cat: string;
      name: string;
      dur: number;
      args?: Record<string, string>;
    }[];
    const byOp: Record<string, { us: number; n: number; provider?: string }> = {};
    const byProvider: Record<string, number> = {};
    const runs: number[] = [];
    for (const e of events) {
      if (e.cat === "Session" && e.name === "model_run") runs.push(e.dur);
      if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
      const op = e.args?.op_name ?? "?";
      const p = e.args?.provider ?? "?";
      byProvider[p] = (byProvider[p] ?? 0) + e.dur;
      const key = `${op}@${p}`;
      byOp[key] ??= { us: 0, n: 0 };
      byOp[key].us += e.dur;
      byOp[key].n++;
    }
    const cats: Record<string, number> = {};
    for (const e of events) {
      const key = `${e.cat}:${e.name.replace(/^.*_(kernel_time|fence_before|fence_after)$/, "$1")}`;
      cats[key] = (cats[key] ?? 0) + (e.dur ?? 0);
    }
    results[`profile_${name}`] = { model_run_us: runs, byProvider, byOp, cats };
  } catch (e) {
    results[`profile_${name}`] = { error: String(e) };
  }
  save();
}

async function decode(name: string, files: string[], inFlight: number, fn: (f: string) => Promise<unknown>) {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) await fn(files[next++]);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  results[name] = round(files.length / ((performance.now() - t0) / 1000));
  console.error(name, results[name]);
  save();
}

const SIMPLE = { storageBufferCacheMode: "simple" };
const FAST = { storageBufferCacheMode: "simple", validationMode: "disabled" };

if (part === "verbose") {
  // Node placement and the provider's settings: one b16 run of each graph, verbose log on stderr.
  ort.env.logLevel = "verbose";
  for (const g of Deno.args.slice(4)) {
    console.error(`=== graph ${g}`);
    const s = await ort.InferenceSession.create(g, {
      executionProviders: [{ name: "webgpu", ...FAST } as ort.InferenceSession.ExecutionProviderConfig],
      logSeverityLevel: 0,
      logVerbosityLevel: 0,
    });
    console.error(`=== run ${g}`);
    const kind = s.inputMetadata[0] && "type" in s.inputMetadata[0] && s.inputMetadata[0].type === "uint32"
      ? "u32"
      : "f32";
    if (s.inputNames.includes("input")) await s.run({ input: input(kind, 16, 0) });
    await s.release();
  }
} else if (part === "text") {
  // The MiniLM-L12 graph alone (no tokenizer, no pooling): seq 128, random ids.
  const file = join(work, "minilm", "onnx", "model.onnx");
  for (
    const [name, ep, loc] of [
      ["minilm_default", {}, "cpu"],
      ["minilm_simple", FAST, "cpu"],
      ["minilm_simple_gpu_output", FAST, "gpu-buffer"],
    ] as const
  ) {
    try {
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [{ name: "webgpu", ...ep } as ort.InferenceSession.ExecutionProviderConfig],
        graphOptimizationLevel: "all",
        preferredOutputLocation: loc,
      });
      const out: Record<string, unknown> = {};
      for (const b of [64, 256]) {
        const ids = BigInt64Array.from({ length: b * 128 }, (_, i) => BigInt(5 + ((i * 7919) % 200000)));
        const feeds = {
          input_ids: new ort.Tensor("int64", ids, [b, 128]),
          attention_mask: new ort.Tensor("int64", new BigInt64Array(b * 128).fill(1n), [b, 128]),
          token_type_ids: new ort.Tensor("int64", new BigInt64Array(b * 128), [b, 128]),
        };
        const runs = Math.max(3, Math.ceil(1024 / b));
        const once = async () => {
          for (let r = 0; r < runs; r++) {
            const y = await session.run(feeds);
            const t = y.last_hidden_state;
            if (loc === "gpu-buffer") await t.getData(true);
            else void (t.data as Float32Array)[0];
          }
        };
        await once();
        const t0 = performance.now();
        await once();
        out[`b${b}_texts_s`] = round((runs * b) / ((performance.now() - t0) / 1000));
      }
      await session.release();
      results[name] = out;
    } catch (e) {
      results[name] = { error: String(e) };
    }
    console.error(name, JSON.stringify(results[name]));
    save();
  }
} else if (part === "main") {
  await config("nchw_default", graph("nchw"), "f32", {});
  await config("nchw_simple", graph("nchw"), "f32", SIMPLE);
  await config("nchw_simple_novalidation", graph("nchw"), "f32", FAST);
  await config("u8_simple", graph("nhwc-u8"), "u32", SIMPLE);
  await config("u8_simple_novalidation", graph("nhwc-u8"), "u32", FAST);
  await config("u8_fp16_simple_novalidation", graph("nhwc-u8-fp16"), "u32", FAST);
  await config("u8_fp16_default", graph("nhwc-u8-fp16"), "u32", {});
  await profile("nchw_default_b256", graph("nchw"), "f32", {}, 256);
  await profile("u8_fast_b256", graph("nhwc-u8"), "u32", FAST, 256);
  await profile("u8_fp16_fast_b256", graph("nhwc-u8-fp16"), "u32", FAST, 256);
  // Decoding on the host's cores (2,048 640x480 JPEGs): sharp as the encoder does it.
  const dir = join(work, "jpeg");
  const files = [...Deno.readDirSync(dir)].map((e) => join(dir, e.name)).sort().slice(0, 1024);
  if (files.length > 0) {
    await decode("decode_sharp_inflight64", files, 64, (f) => toRgbSquare(f, S));
    const sharp = (await import("sharp")).default;
    sharp.concurrency(1);
    await decode("decode_sharp_conc1_inflight64", files, 64, (f) => toRgbSquare(f, S));
    sharp.concurrency(0);
    try {
      const { decodeRgb } = await import("../src/preprocess/image.ts");
      const { turboJpegAvailable } = await import("../src/preprocess/_turbojpeg.ts");
      results.turbojpeg = turboJpegAvailable();
      await decode("decode_preprocess_inflight64", files, 64, (f) => decodeRgb(f, S));
    } catch (e) {
      results.decode_preprocess = String(e);
    }
  }
  save();
}
