/**
 * Benchmarks. Each writes its figures to data/bench/<name>.json and prints them.
 *
 *   deno task bench ingest        posts/s with media into PGlite and PostgreSQL (sample corpus), connectors
 *   deno task bench sample        sample corpus generation
 *   deno task bench preprocess    images/s decode+resize+normalize, 8 frames by seeking vs decoding all,
 *                                 texts/s normalization + language id, Arrow cache write/read MB/s
 *   deno task bench encode        MobileNetV2 images/s (onnxruntime vs tfjs-wasm), the n-gram text encoder,
 *                                 the cost of the OCR and COCO-object extras
 *   deno task bench train         seconds per epoch and total on 50,000 cached posts (wasm here)
 *   deno task bench gpu           the image encoder and the train benchmark on WebGPU (needs a GPU adapter)
 *   deno task bench infer         posts/s scored and written on PostgreSQL (cached features, and encoding first)
 *   deno task bench scale         posts/s preprocessed and scored by 1 and 2 job workers (pg-boss) beside
 *                                 the in-process path, and the engine's cost per job (data/bench/scale.json)
 *   deno task bench serve         p50/p99 and req/s of the trend routes over 10M predictions in PostgreSQL,
 *                                 uncached and cached, per route and mixed; the refresh time (the database
 *                                 is kept in data/bench/serve-pg and reused; BENCH_DATABASE_URL: a server
 *                                 of yours, whose tables it replaces)
 *   deno task bench faults        the hostile corpus through ingest/preprocess/infer killed with SIGKILL at
 *                                 random points (PostgreSQL and PGlite) against an uninterrupted run, and
 *                                 malformed API requests: crashes, duplicates, losses, 5xx (targets 0)
 *   deno task bench quality       weighted F0.5 etc. of the product beside TF-IDF + logistic regression
 *                                 (scikit-learn) on GoEmotions (full, 5 draws of 720 + 80), XED few-shot and
 *                                 full; heavy (--sets a,b runs some, --draws N); needs python3-sklearn
 *   deno task bench all           every benchmark above except gpu and quality
 *
 * Run them on a quiet machine: they measure this machine, not a test. Each stage's benchmark lives in
 * bench/<stage>.ts; this script only dispatches and writes the figures.
 */
import { join } from "node:path";
import { loadSettings, type Settings } from "@/config/mod.ts";
import { SET_NAMES } from "../bench/quality_sets.ts";
import { parseCli, run, UsageError } from "./_cli.ts";

type Bench = (settings: Settings) => Promise<Record<string, unknown>>;

/**
 * Each stage's benchmark, in bench/<stage>.ts, imported when asked for (the gpu machine gets only the
 * packages its benchmark loads).
 */
const BENCHES: Record<string, () => Promise<Bench>> = {
  ingest: async () => (await import("../bench/ingest.ts")).run,
  sample: async () => (await import("../bench/sample.ts")).run,
  preprocess: async () => (await import("../bench/preprocess.ts")).run,
  encode: async () => (await import("../bench/encode.ts")).run,
  train: async () => (await import("../bench/train.ts")).run,
  gpu: async () => (await import("../bench/gpu.ts")).run,
  infer: async () => (await import("../bench/infer.ts")).run,
  serve: async () => (await import("../bench/serve.ts")).run,
  scale: async () => (await import("../bench/scale.ts")).run,
  faults: async () => (await import("../bench/faults.ts")).run,
  quality: async () => {
    const quality = await import("../bench/quality.ts");
    return (settings) => quality.run(settings, qualityOptions);
  },
};

/** --sets and --draws of the quality benchmark. */
const qualityOptions: { sets?: string[]; draws?: number } = {};

export async function main(args: string[]): Promise<number> {
  const { positionals, values } = parseCli(args, import.meta.url, {
    sets: { type: "string", help: `quality benchmark: data sets (${SET_NAMES.join(", ")})` },
    draws: { type: "string", help: "quality benchmark: draws of the few-shot sets" },
  }, { allowPositionals: true });
  if (values.sets) {
    qualityOptions.sets = values.sets.split(",");
    const bad = qualityOptions.sets.filter((s) => !(SET_NAMES as readonly string[]).includes(s));
    if (bad.length) {
      throw new UsageError(`unknown --sets ${bad.join(", ")}; known: ${SET_NAMES.join(", ")}`);
    }
  }
  if (values.draws) qualityOptions.draws = Number(values.draws);
  const names = positionals.length === 0 || positionals.includes("all")
    ? Object.keys(BENCHES).filter((name) => name !== "gpu" && name !== "quality")
    : positionals;
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown benchmark(s) ${unknown.join(", ")}; built: ${Object.keys(BENCHES).join(", ")}`,
    );
  }
  const settings = loadSettings();
  const outDir = join(settings.dataDir, "bench");
  await Deno.mkdir(outDir, { recursive: true });
  for (const name of names) {
    console.log(`bench ${name} ...`);
    const figures = await (await BENCHES[name]())(settings);
    const record = {
      name,
      at: new Date().toISOString(),
      machine: {
        cpus: navigator.hardwareConcurrency,
        memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
        deno: Deno.version.deno,
        load_average: Deno.loadavg(), // the machine is shared: figures are ratios to peers run beside them
      },
      figures,
    };
    const path = join(outDir, `${name}.json`);
    await Deno.writeTextFile(path, JSON.stringify(record, null, 2) + "\n");
    console.log(JSON.stringify(figures, null, 2));
    console.log(`wrote ${path}`);
  }
  return 0;
}

if (import.meta.main) await run(main);
