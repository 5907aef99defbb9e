/**
 * Benchmarks. Each writes its figures to data/bench/<name>.json and prints them.
 *
 *   deno task bench ingest        posts/s with media into PGlite and PostgreSQL (sample corpus), connectors
 *   deno task bench sample        sample corpus generation
 *   deno task bench preprocess    images/s decode+resize+normalize, 8 frames by seeking vs decoding all,
 *                                 texts/s normalization + language id, Arrow cache write/read MB/s
 *   deno task bench encode        MobileNetV2 images/s (onnxruntime vs tfjs-wasm), text encoders texts/s,
 *                                 the cost of the OCR and COCO-object extras
 *   deno task bench train         seconds per epoch and total on 50,000 cached posts (wasm here)
 *   deno task bench gpu           the image encoder and the train benchmark on WebGPU (needs a GPU adapter)
 *   deno task bench infer         posts/s scored and written on PostgreSQL (cached features, and encoding first)
 *   deno task bench serve         p50/p99 and req/s of the trend routes over 10M predictions in PostgreSQL
 *   deno task bench faults        the hostile corpus through ingest/preprocess/infer killed with SIGKILL at
 *                                 random points (PostgreSQL and PGlite) against an uninterrupted run, and
 *                                 malformed API requests: crashes, duplicates, losses, 5xx (targets 0)
 *   deno task bench all           every benchmark above except gpu
 *
 * Run them on a quiet machine: they measure this machine, not a test.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/settings.ts";
import { benchIngest } from "@/ingest/bench_ingest.ts";
import { samplePath } from "@/ingest/sources.ts";
import { benchConnectors } from "@/ingest/connector_bench.ts";
import { benchSample } from "@/ingest/sample/bench.ts";
import { benchMedia } from "@/preprocess/bench_media.ts";
import { benchText } from "@/preprocess/bench_text.ts";
import { benchCache } from "@/features/bench_cache.ts";
import { benchEncode, benchExtras } from "@/encode/bench_encode.ts";
import { benchTextNgrams } from "@/encode/text_ngrams.ts";
import { benchTextFastText } from "@/encode/text_fasttext.ts";
import { benchTrain } from "@/model/bench_train.ts";
import { benchImageEncoderOnBackend } from "@/model/bench_gpu.ts";
import { DEFAULT_GOEMOTIONS_DIR } from "@/ingest/sources.ts";
import { benchInfer } from "@/infer/bench_infer.ts";
import { benchServe } from "@/server/bench_serve.ts";
import { startCluster } from "../tests/support/postgres_cluster.ts";
import { freshPglite, freshPostgres } from "../tests/support/db.ts";
import { benchFaults } from "../bench/faults.ts";
import { run, UsageError } from "./_cli.ts";

type Figures = Record<string, unknown>;

const BENCHES: Record<string, (dataDir: string) => Promise<Figures>> = {
  async ingest(dataDir) {
    const jsonl = samplePath(dataDir);
    try {
      await Deno.stat(jsonl);
    } catch {
      throw new UsageError(
        `the ingest benchmark reads the sample corpus "${jsonl}": run deno task sample first`,
      );
    }
    const pglite = await freshPglite();
    const onPglite = await benchIngest(pglite, jsonl).finally(() => pglite.close());
    const pg = await freshPostgres();
    const onPostgres = pg
      ? await benchIngest(pg.db, jsonl).finally(() => pg.db.close())
      : "PostgreSQL not installed";
    return { corpus: jsonl, pglite: onPglite, postgres: onPostgres, connectors: await benchConnectors() };
  },
  sample: () => benchSample(),
  async preprocess() {
    return { media: await benchMedia(), text: await benchText(), arrow_cache: await benchCache() };
  },
  async encode() {
    const texts = (await Deno.readTextFile(`${DEFAULT_GOEMOTIONS_DIR}/train.tsv`)).split("\n").map((l) =>
      l.split("\t")[0]
    ).filter(Boolean);
    return {
      image: await benchEncode(),
      text_ngrams: benchTextNgrams(texts),
      text_fasttext: await benchTextFastText(texts.slice(0, 10_000)),
      extras: await benchExtras(),
    };
  },
  train: () => benchTrain({ posts: 50_000 }),
  async gpu() {
    const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
    if (!adapter || adapter.info.isFallbackAdapter) {
      throw new UsageError(
        `the gpu benchmark needs a hardware WebGPU adapter, found ${
          adapter ? `only "${adapter.info.description}" (software)` : "none"
        }: run it on a machine with a GPU and its Vulkan driver (libvulkan1)`,
      );
    }
    return {
      image_encoder: await benchImageEncoderOnBackend({ backend: "webgpu" }),
      train: await benchTrain({ posts: 50_000, backend: "webgpu" }),
    };
  },
  async infer() {
    const pg = await freshPostgres();
    if (!pg) throw new UsageError("the infer benchmark needs PostgreSQL (apt-get install postgresql)");
    try {
      return await benchInfer(pg.db);
    } finally {
      await pg.db.close();
    }
  },
  faults: async () => ({ ...await benchFaults() }),
  async serve() {
    const cluster = await startCluster();
    try {
      return await benchServe(cluster.url);
    } finally {
      await cluster.stop();
    }
  },
};

export async function main(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const names = positionals.length === 0 || positionals.includes("all")
    ? Object.keys(BENCHES).filter((name) => name !== "gpu")
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
    const figures = await BENCHES[name](settings.dataDir);
    const record = {
      name,
      at: new Date().toISOString(),
      machine: {
        cpus: navigator.hardwareConcurrency,
        memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
        deno: Deno.version.deno,
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
