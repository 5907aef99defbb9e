/**
 * Inference speed on a fresh, migrated database (PostgreSQL is what the figures are for):
 *
 * - `cached`: posts/s scored and written when every feature is already in the cache — the steady state
 *   of the cron job. Synthetic text posts (a `distinctTexts` vocabulary of texts, so the text-bag cache
 *   stays small), an untrained network of the real shape, `tags` tags: the whole path of sampling,
 *   reading, feature assembly, scoring and writing (COPY on PostgreSQL, the batched `unnest` insert on PGlite).
 * - `cold`: the first run over the same posts, text bags computed on the way.
 * - `encode`: posts/s when each post brings a new image that MobileNetV2 must embed first.
 */
import { join } from "node:path";
import sharp from "sharp";
import type { Settings } from "@/config/mod.ts";
import {
  assembleFeatures,
  createEncoder,
  fitFeatures,
  type ImageEmbedder,
  prepareTexts,
  saveFitted,
} from "@/encode/mod.ts";
import { fit, saveFusionModel, selectBackend } from "@/model/mod.ts";
import { createAnonymizer, type Db, FileBlobStore, readDataset, type Store } from "@/store/mod.ts";
import { ModelRegistry } from "@/train/mod.ts";
import { runInference } from "@/infer/mod.ts";
import { freshPostgres } from "../tests/support/db.ts";
import { testEncoderCache } from "../tests/support/encoders.ts";

export interface InferBenchOptions {
  /** Posts scored in the cached run. @default 300000 */
  posts?: number;
  /** Distinct texts among them. @default 10000 */
  distinctTexts?: number;
  /** Tags of the model. @default 20 */
  tags?: number;
  /** Posts with a new image each, for the encode figure. @default 200 */
  encodePosts?: number;
  /** Posts per transaction. @default 2000 */
  batchSize?: number;
}

const DAY = { from: new Date("2026-06-01T00:00:00Z"), to: new Date("2026-06-02T00:00:00Z") };
const WORDS = "sun beach city rain food game vote music art film team goal news code cat dog tree sea".split(
  " ",
);

export async function benchInfer(
  db: Db,
  options: InferBenchOptions = {},
): Promise<Record<string, number | string>> {
  const n = options.posts ?? 300_000;
  const distinct = options.distinctTexts ?? 10_000;
  const k = options.tags ?? 20;
  const m = options.encodePosts ?? 200;
  const batchSize = options.batchSize ?? 2000;
  // The model is trained here before the job picks its backend: choose it first (a bare tfjs would pick
  // whichever backend registered itself last, uninitialized).
  await selectBackend({ backend: "wasm" });
  const root = await Deno.makeTempDir({ prefix: "bench-infer-" });
  const settings: Settings = {
    dataDir: join(root, "data"),
    secretPath: join(root, "secret"),
    modelsDir: join(root, "models"),
    runsDir: join(root, "runs"),
    encoderCacheDir: await testEncoderCache(),
    jpegDecoder: "auto",
  };
  const store: Store = {
    db,
    blobs: new FileBlobStore(join(settings.dataDir, "blobs")),
    anon: createAnonymizer("b".repeat(40)),
    close: () => db.close(),
  };
  const encoder = await createEncoder("image", "mobilenet-v2", {
    cacheDir: settings.encoderCacheDir,
  });
  try {
    await db.query(
      `insert into posts (id, platform, source, created_at, doc, user_followers, content_hash)
       select 'b' || i, 'bench', 'bench', $1::timestamptz + (i % 86400) * interval '1 second',
         jsonb_build_object('text', ($4::text[])[1 + (i % $3) % 18] || ' ' || ($4::text[])[1 + ((i % $3) / 18) % 18]
           || ' ' || ($4::text[])[1 + ((i % $3) / 324) % 18] || ' post ' || (i % $3), 'lang', 'en'),
         i % 5000, md5(i::text)
       from generate_series(1, $2) as s(i)`,
      [DAY.from.toISOString(), n, distinct, WORDS],
    );
    const version = await benchModel(store, settings, encoder, k);
    const base = { since: "1d", until: DAY.to, sample: n, batchSize, imageEncoder: encoder, model: version };

    let t = performance.now();
    const cold = await runInference(store, settings, { ...base, seed: 1 });
    const coldS = (performance.now() - t) / 1000;
    t = performance.now();
    const warm = await runInference(store, settings, { ...base, seed: 2 });
    const warmS = (performance.now() - t) / 1000;

    // New posts with new images, on the next day.
    const next = { from: DAY.to, to: new Date(DAY.to.getTime() + 86_400_000) };
    for (let i = 0; i < m; i++) {
      const png = await sharp({
        create: {
          width: 64,
          height: 48,
          channels: 3,
          background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 },
        },
      }).png().toBuffer();
      const { sha256 } = await store.blobs.put(new Uint8Array(png));
      await db.query(
        `insert into posts (id, platform, source, created_at, doc, content_hash)
         values ($1, 'bench', 'bench', $2, $3::jsonb, $4)`,
        [
          `e${i}`,
          new Date(next.from.getTime() + i * 1000).toISOString(),
          JSON.stringify({ text: `new ${i}` }),
          sha256,
        ],
      );
      await db.query(
        `insert into media (post_id, position, kind, blob_sha256, mime) values ($1, 0, 'image', $2, 'image/png')`,
        [`e${i}`, sha256],
      );
    }
    t = performance.now();
    const enc = await runInference(store, settings, { ...base, until: next.to, sample: m, seed: 1 });
    const encS = (performance.now() - t) / 1000;

    const r = (x: number) => Math.round(x * 10) / 10;
    return {
      engine: db.kind,
      backend: warm.backend,
      posts: n,
      distinct_texts: distinct,
      tags: k,
      batch_size: batchSize,
      cached_posts_per_s: Math.round(warm.scored / warmS),
      cached_seconds: r(warmS),
      cached_rows_per_s: Math.round(warm.rows / warmS),
      cached_features_s: r(warm.timings_s.features),
      cached_predict_s: r(warm.timings_s.predict),
      cached_write_s: r(warm.timings_s.write),
      cached_sample_s: r(warm.timings_s.sample),
      cold_posts_per_s: Math.round(cold.scored / coldS),
      cold_seconds: r(coldS),
      encode_posts: enc.scored,
      encode_posts_per_s: r(enc.scored / encS),
      encode_seconds: r(encS),
      seconds_for_300k_cached: r((300_000 * warmS) / warm.scored),
    };
  } finally {
    await encoder.close();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/** An untrained-in-substance network of the real shape: one epoch on 500 posts with random tags. */
async function benchModel(
  store: Store,
  settings: Settings,
  encoder: ImageEmbedder,
  k: number,
): Promise<string> {
  const posts = await readDataset(store.db, { ids: Array.from({ length: 500 }, (_, i) => `b${i + 1}`) });
  const texts = await prepareTexts(posts);
  const fitted = fitFeatures(posts, texts);
  const feats = await assembleFeatures(posts, texts, fitted, {
    blobs: store.blobs,
    cacheRoot: join(settings.dataDir, "features"),
    imageEncoder: encoder,
  });
  const labels = new Uint8Array(feats.count * k).map((_, i) => (i * 2654435761) % 7 === 0 ? 1 : 0);
  const { model } = await fit({ ...feats, labels }, {
    seed: 1,
    epochs: 1,
    config: {
      seed: 1,
      inputSizes: {
        text: 0,
        image: feats.sizes.image,
        video: feats.sizes.video,
        metadata: feats.sizes.metadata,
      },
      sparseText: { buckets: fitted.ngrams.options.buckets, dim: 64, maxTokens: feats.sizes.maxTokens },
      numTags: k,
    },
  });
  const registry = new ModelRegistry(settings.modelsDir);
  const version = "mbench";
  const tags = Array.from({ length: k }, (_, i) => `bench_tag_${i}`);
  await saveFusionModel(model, registry.pathOf(version), {
    tags,
    thresholds: tags.map(() => 0.5),
    metadataTransform: fitted.metadata as never,
  });
  await saveFitted(registry.pathOf(version), fitted);
  model.network.dispose();
  return version;
}

/** `deno task bench infer`: posts/s scored and written on PostgreSQL. */
export async function run(): Promise<Record<string, unknown>> {
  const pg = await freshPostgres();
  if (!pg) throw new Error("the infer benchmark needs PostgreSQL (apt-get install postgresql)");
  try {
    return { ...await benchInfer(pg.db) };
  } finally {
    await pg.db.close();
  }
}
