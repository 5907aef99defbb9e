/**
 * Preprocess and encode the posts of the window into the Arrow feature cache (data/features/): images
 * and video frames through the image encoder, texts normalized and their language identified (written
 * back to the post as doc.lang_detected). Reruns reuse the cache; only new or changed content is computed.
 *
 *   deno task preprocess [--window 24mo] [--source sample]
 *   deno task preprocess --extras ocr,objects [--ocr-langs eng+deu]
 *   deno task preprocess --text-encoder hf-text:NAME   also cache the texts' sentence embeddings
 *
 * Extras (off by default; FEATURE_EXTRAS / OCR_LANGS set them too): `ocr` reads the text in images with
 * tesseract (apt-get install -y tesseract-ocr tesseract-ocr-eng), `objects` adds 80 COCO object scores per
 * image (CenterNet from @vladmandic/human). Train with the same extras: the model records them and
 * inference uses them.
 *
 * On PostgreSQL (DATABASE_URL) the work goes through the job engine: one preprocess and one encode job
 * per 64 posts; this task works on them too until the run is done (`--enqueue-only` leaves them to
 * `deno task worker`s). On the embedded database, or with `--in-process`, it runs here as one job.
 */
import { join } from "node:path";
import { loadSettings } from "@/config/mod.ts";
import { createEncoder, precomputeFeatures } from "@/encode/mod.ts";
import { windowStart } from "@/ingest/mod.ts";
import { finishRun, openStore, quarantine, readDataset, startRun } from "@/store/mod.ts";
import { enqueuePreprocess } from "@/jobs/mod.ts";
import type { FeatureConfig } from "@/encode/mod.ts";
import type { Settings } from "@/config/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";
import { engineFor, finishRun as finishQueuedRun } from "./_jobs.ts";
import { EXTRAS_OPTIONS, featureConfigFromFlags } from "./_features.ts";
import { progress } from "./_progress.ts";
import { ensureModels } from "./_models.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    window: { type: "string", default: "24mo", help: "posts of this moving window" },
    source: { type: "string", help: "only posts of this source" },
    "batch-size": { type: "string", default: "64", help: "job engine: posts per preprocess/encode job" },
    "in-process": { type: "boolean", help: "run here without the job engine (always on PGlite)" },
    "enqueue-only": { type: "boolean", help: "send the jobs and return: deno task worker does them" },
    ...EXTRAS_OPTIONS,
  });
  const settings = loadSettings();
  await ensureModels(settings);
  const { config, extras } = featureConfigFromFlags(values, settings);
  if (settings.databaseUrl && !values["in-process"]) {
    const batchPosts = Number(values["batch-size"]);
    if (!Number.isInteger(batchPosts) || batchPosts < 1) {
      throw new UsageError(`--batch-size "${values["batch-size"]}" must be a positive integer`);
    }
    return await viaEngine(settings, config, {
      ...values,
      batchPosts,
      enqueueOnly: values["enqueue-only"] ?? false,
    });
  }
  const store = await openStore(settings);
  const t0 = performance.now();
  const runId = await startRun(store.db, "preprocess", { params: values });
  try {
    const posts = await readDataset(store.db, { since: windowStart(values.window!), source: values.source });
    const encoder = await createEncoder("image", config.image.encoder, {
      cacheDir: settings.encoderCacheDir,
      modelsDir: settings.modelsDir,
    });
    let bar: ReturnType<typeof progress> | undefined;
    let ocrBar: ReturnType<typeof progress> | undefined;
    const s = await precomputeFeatures(posts, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
      imageEncoder: encoder,
      modelsDir: settings.modelsDir,
      config,
      ocr: {
        onProgress: (done, total) => {
          ocrBar ??= progress("ocr", total, "images");
          ocrBar.update(done);
        },
      },
      onProgress: (done, total) => {
        ocrBar?.stop();
        bar ??= progress("preprocess", total, "media");
        bar.update(done);
      },
    }).finally(() => encoder.close());
    ocrBar?.stop();
    bar?.stop();
    // The detected language (of the post's own text, never of its image text) travels with the post.
    const langs = [...s.texts].filter(([, t]) => t.text && !(t.lang === "und" && t.imageText))
      .map(([id, t]) => ({ id, lang: t.lang }));
    await store.db.query(
      `update posts p set doc = p.doc || jsonb_build_object('lang_detected', r.lang)
       from jsonb_to_recordset($1::jsonb) as r(id text, lang text) where p.id = r.id`,
      [JSON.stringify(langs)],
    );
    await quarantine(
      store.db,
      s.problems.map((p) => ({
        stage: "preprocess",
        source: "features",
        item: p.postId,
        modality: p.modality,
        reason: p.reason,
        runId,
      })),
    );
    const seconds = (performance.now() - t0) / 1000;
    const summary = {
      posts: s.posts,
      images: s.images,
      videos: s.videos,
      cache_hits: s.cache_hits,
      computed: s.computed,
      quarantined: s.problems.length,
      seconds: Math.round(seconds * 10) / 10,
      extras,
      ...(s.text_embeddings ? { text_encoder: config.text.encoder, text_embeddings: s.text_embeddings } : {}),
      ...(s.image_text ? { image_text: s.image_text } : {}),
    };
    await finishRun(store.db, runId, { status: "succeeded", summary });
    console.log(
      `preprocess ${runId}: ${s.posts} posts, ${s.images} images + ${s.videos} videos: ${s.cache_hits} cache hits, ` +
        `${s.computed} computed, ${s.problems.length} set aside, in ${seconds.toFixed(1)} s`,
    );
    if (extras.length > 0) console.log(`extras: ${extras.join(", ")}`);
    if (s.text_embeddings) {
      const e = s.text_embeddings;
      console.log(
        `text encoder ${config.text.encoder}: ${e.dim}-d, ${e.hits} texts cached, ${e.computed} embedded`,
      );
    }
    if (s.image_text) {
      const o = s.image_text;
      console.log(
        `ocr: ${o.images} images, ${o.cache_hits} cached, ${o.read} read, ${o.with_text} with text, ${o.failed} failed`,
      );
    }
    const top = Object.entries(s.languages).sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`languages: ${top.map(([l, n]) => `${l} ${n}`).join(", ")}`);
    if (s.problems.length > 0) console.log("  details: select * from quarantine where stage = 'preprocess'");
    return 0;
  } catch (err) {
    await finishRun(store.db, runId, { status: "failed", summary: { error: (err as Error).message } });
    throw err;
  } finally {
    await store.close();
  }
}

/** The window's posts as preprocess and encode jobs; with workers (and this task) doing them. */
async function viaEngine(
  settings: Settings,
  config: FeatureConfig,
  values: { window?: string; source?: string; batchPosts: number; enqueueOnly: boolean },
): Promise<number> {
  const engine = await engineFor(settings, "preprocess");
  const store = await openStore(settings);
  try {
    const t0 = performance.now();
    const posts = await readDataset(store.db, { since: windowStart(values.window!), source: values.source });
    const runId = await startRun(store.db, "preprocess", {
      params: { window: values.window, source: values.source, engine: "jobs" },
    });
    const sent = await enqueuePreprocess(engine, runId, posts.map((p) => p.id), {
      config,
      batchPosts: values.batchPosts,
    });
    console.log(`preprocess ${runId}: ${posts.length} posts in ${sent.jobs} jobs`);
    if (values.enqueueOnly) {
      await engine.stop();
      return 0;
    }
    await finishQueuedRun(engine, store, settings, {
      runId,
      last: sent.last,
      queues: ["preprocess", "encode"],
      work: true,
      label: "preprocess",
    });
    const [{ n }] = await store.db.query<{ n: number }>(
      "select count(*)::int as n from quarantine where detail ->> 'run' = $1",
      [runId],
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(`preprocess ${runId}: ${posts.length} posts, ${n} set aside, in ${seconds.toFixed(1)} s`);
    if (n > 0) console.log("  details: deno task jobs status");
    return 0;
  } finally {
    await store.close();
  }
}

if (import.meta.main) await run(main);
