/**
 * The pipeline's jobs, engine-free: each takes the worker's context and one payload, and is safe to run
 * twice (what it writes is keyed: feature rows by content, predictions by run + post + tag, quarantine
 * entries by stage + source + item, posts by their anonymized id).
 */
import {
  addImageText,
  embedPostMedia,
  embedPostTexts,
  type FeatureProblem,
  prepareTexts,
  withExtras,
} from "@/encode/mod.ts";
import { finishInferRun, readPostsById, scoreInferBatch } from "@/infer/mod.ts";
import { ingest, openFileSource } from "@/ingest/mod.ts";
import { finishRun, quarantine } from "@/store/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import type { JobContext } from "./context.ts";
import type { InferBatch, IngestChunk, PostBatch, PreprocessFinish, TrendsRefresh } from "./payloads.ts";

/** Ingests items [skip, skip + take) of a file source; duplicates of an earlier attempt are skipped. */
export async function ingestChunk(ctx: JobContext, chunk: IngestChunk) {
  const source = openFileSource(chunk.source, { dataDir: ctx.settings.dataDir });
  const s = await ingest(ctx.store, slice(source.items, chunk.skip, chunk.take), {
    source: source.name,
    params: { chunk: [chunk.skip, chunk.skip + chunk.take] },
  });
  return { read: s.read, stored: s.stored, duplicates: s.duplicates, quarantined: s.quarantined };
}

async function* slice<T>(items: AsyncIterable<T>, skip: number, take: number): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) {
    if (i >= skip + take) return;
    if (i++ >= skip) yield item;
  }
}

/**
 * Texts of the posts normalized, their language identified (written back to the post), ocr read, and
 * with `text.encoder` their sentence embeddings cached.
 */
export async function preprocessPosts(ctx: JobContext, batch: PostBatch, ids = batch.ids) {
  const { db, blobs } = ctx.store;
  const posts = await readPostsById(db, ids);
  const texts = await prepareTexts(posts, withExtras(batch.config, []));
  const problems: FeatureProblem[] = [];
  for (const [id, t] of texts) if (t.error) problems.push({ postId: id, modality: "text", reason: t.error });
  if (batch.config.extras?.ocr) {
    const caches = ctx.caches();
    await addImageText(posts, texts, batch.config, { blobs, cacheRoot: caches.root, caches });
    for (const [id, t] of texts) {
      for (const reason of t.ocrErrors ?? []) problems.push({ postId: id, modality: "image", reason });
    }
  }
  const name = batch.config.text.encoder;
  if (name) {
    const caches = ctx.caches();
    const dense = await embedPostTexts(posts, texts, batch.config, {
      cacheRoot: caches.root,
      caches,
      textEncoder: await ctx.textEncoder(name),
    });
    for (const f of dense.failed) problems.push({ postId: f.postId, modality: "text", reason: f.reason });
  }
  const langs = [...texts].filter(([, t]) => t.text && !(t.lang === "und" && t.imageText))
    .map(([id, t]) => ({ id, lang: t.lang }));
  await db.transaction(async (tx) => {
    await tx.query(
      `update posts p set doc = p.doc || jsonb_build_object('lang_detected', r.lang)
       from jsonb_to_recordset($1::jsonb) as r(id text, lang text) where p.id = r.id`,
      [JSON.stringify(langs)],
    );
    await setAside(tx, "preprocess", batch.runId, problems);
  });
  return { posts: posts.length, set_aside: problems.length };
}

/** Images and videos of the posts through the image encoder into the feature cache. */
export async function encodePosts(ctx: JobContext, batch: PostBatch, ids = batch.ids) {
  const posts = await readPostsById(ctx.store.db, ids);
  const caches = ctx.caches();
  const problems: FeatureProblem[] = [];
  const imageEncoder = await ctx.encoder(batch.config.image.encoder);
  const { images, videos } = await embedPostMedia(
    posts,
    {
      blobs: ctx.store.blobs,
      cacheRoot: caches.root,
      caches,
      imageEncoder,
    },
    batch.config,
    problems,
  );
  await setAside(ctx.store.db, "encode", batch.runId, problems);
  return { posts: posts.length, computed: images.computed + videos.computed, set_aside: problems.length };
}

/** The batch's posts scored in its run (posts done by an earlier attempt are skipped). */
export async function inferPosts(ctx: JobContext, batch: InferBatch, ids = batch.ids) {
  const model = await ctx.scorer(batch.model);
  return await scoreInferBatch(ctx.store, model, batch.runId, ids, {
    caches: ctx.caches(),
    detail: { job: "infer", run: batch.runId },
  });
}

/** After every batch of the run: the period's aggregates rebuilt, the run's figures recorded. */
export async function refreshAfterRun(ctx: JobContext, t: TrendsRefresh) {
  const refresh = await refreshAggregates(ctx.store.db, { from: new Date(t.from), to: new Date(t.to) });
  const figures = await finishInferRun(ctx.store.db, t.runId);
  return { ...figures, generation: refresh.generation };
}

/** After every batch of a preprocess run: its figures on the run. */
export async function finishPreprocess(ctx: JobContext, f: PreprocessFinish) {
  const [c] = await ctx.store.db.query<{ n: number }>(
    "select count(*)::int as n from quarantine where detail ->> 'run' = $1",
    [f.runId],
  );
  await finishRun(ctx.store.db, f.runId, {
    status: "succeeded",
    summary: { engine: "jobs", quarantined: c.n },
  });
  return { quarantined: c.n };
}

/** Records a post (or one modality of it) a job set aside, tagged with the job so the API lists it. */
export async function setAside(
  db: JobContext["store"]["db"],
  job: "preprocess" | "encode" | "infer",
  runId: string,
  problems: FeatureProblem[],
): Promise<void> {
  await quarantine(
    db,
    problems.map((p) => ({
      stage: job === "infer" ? "infer" as const : "preprocess" as const,
      source: job === "infer" ? `infer:${runId}` : "features",
      item: p.postId,
      modality: p.modality,
      reason: p.reason,
      runId,
      detail: { job, run: runId },
    })),
  );
}
