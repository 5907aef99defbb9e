/**
 * Preprocess and encode the posts of the window into the Arrow feature cache (data/features/): images
 * and video frames through the image encoder, texts normalized and their language identified (written
 * back to the post as doc.lang_detected). Reruns reuse the cache; only new or changed content is computed.
 *
 *   deno task preprocess [--window 24mo] [--source sample]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/settings.ts";
import { createEncoder } from "@/encode/encoder.ts";
import type { ImageEmbedder } from "@/encode/media_features.ts";
import { DEFAULT_FEATURE_CONFIG, precomputeFeatures } from "@/encode/feature_set.ts";
import { windowStart } from "@/ingest/window.ts";
import { finishRun, openStore, quarantine, readDataset, startRun } from "@/store/mod.ts";
import { run } from "./_cli.ts";
import { progress } from "./_progress.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { window: { type: "string", default: "24mo" }, source: { type: "string" } },
  });
  const settings = loadSettings();
  const store = await openStore(settings);
  const t0 = performance.now();
  const runId = await startRun(store.db, "preprocess", { params: values });
  try {
    const posts = await readDataset(store.db, { since: windowStart(values.window!), source: values.source });
    const encoder = await createEncoder(DEFAULT_FEATURE_CONFIG.image.encoder, {
      cacheDir: join(settings.dataDir, "cache", "encoders"),
    }) as unknown as ImageEmbedder & { close(): Promise<void> };
    let bar: ReturnType<typeof progress> | undefined;
    const s = await precomputeFeatures(posts, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
      imageEncoder: encoder,
      onProgress: (done, total) => {
        bar ??= progress("preprocess", total, "media");
        bar.update(done);
      },
    }).finally(() => encoder.close());
    bar?.stop();
    // The detected language travels with the post, for per-language scores and trends.
    const langs = [...s.texts].filter(([, t]) => t.text).map(([id, t]) => ({ id, lang: t.lang }));
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
    };
    await finishRun(store.db, runId, { status: "succeeded", summary });
    console.log(
      `preprocess ${runId}: ${s.posts} posts, ${s.images} images + ${s.videos} videos: ${s.cache_hits} cache hits, ` +
        `${s.computed} computed, ${s.problems.length} set aside, in ${seconds.toFixed(1)} s`,
    );
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

if (import.meta.main) await run(main);
