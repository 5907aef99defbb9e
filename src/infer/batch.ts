/**
 * Inference split into jobs for the job engine (src/jobs/): `planInferRun` draws the run's sample (the
 * same run id and sample as `runInference`), and `scoreInferBatch` scores one batch of it. A batch is
 * idempotent: posts that already have predictions in the run (or were set aside) are skipped, rows go in
 * with an insert that skips existing ones, and predictions and quarantine entries commit together, so a
 * batch run twice — a killed worker's job retried elsewhere — writes each row once.
 */
import type { Settings } from "@/config/mod.ts";
import {
  assembleFeatures,
  CacheShelf,
  createEncoder,
  encoderOptions,
  type ImageEmbedder,
  prepareTexts,
  type TextEmbedder,
} from "@/encode/mod.ts";
import { selectBackend } from "@/model/mod.ts";
import { type Db, ensureTags, quarantine, startRun, type Store } from "@/store/mod.ts";
import { codeVersion, loadScorer, ModelRegistry, scoreAssembled } from "@/train/mod.ts";
import { readPostsById } from "./_posts.ts";
import { insertPredictions } from "./_write.ts";
import { inferPeriod, type Period } from "./period.ts";
import { inferRunId, inferRunParams, sampleIds, type SampleSpec } from "./sample.ts";

export interface InferPlan {
  runId: string;
  modelVersion: string;
  period: Period;
  /** The sample, in sample order. */
  ids: string[];
}

/** Resolves the model and period, records the run (status running) and draws its sample. */
export async function planInferRun(
  store: Store,
  settings: Settings,
  options: { since?: string; until?: Date; now?: Date; sample?: number; seed?: number; model?: string } = {},
): Promise<InferPlan> {
  const since = options.since ?? "24h";
  const { version } = await new ModelRegistry(settings.modelsDir).resolve(options.model ?? "current");
  const period = inferPeriod(since, { until: options.until, now: options.now });
  const spec: SampleSpec = { period, size: options.sample ?? 300_000, seed: options.seed ?? 1 };
  const runId = inferRunId(version, spec);
  await startRun(store.db, "infer", {
    id: runId,
    params: { ...inferRunParams(since, spec, version), engine: "jobs" },
    modelVersion: version,
    codeVersion: (await codeVersion()).gitSha,
  });
  return { runId, modelVersion: version, period, ids: await sampleIds(store.db, spec) };
}

/** A model loaded once per worker, for every batch of every run that uses it. */
export interface BatchScorer {
  version: string;
  close(): Promise<void>;
  /** @internal */
  readonly _: {
    scorer: Awaited<ReturnType<typeof loadScorer>>;
    encoder: ImageEmbedder;
    textEncoder?: TextEmbedder & { close(): Promise<void> };
    tagOf: number[];
  };
}

export async function openBatchScorer(
  db: Db,
  settings: Settings,
  version: string,
  options: { imageEncoder?: ImageEmbedder } = {},
): Promise<BatchScorer> {
  const { path } = await new ModelRegistry(settings.modelsDir).resolve(version);
  await selectBackend({ backend: "auto" });
  const scorer = await loadScorer(path);
  const own = options.imageEncoder ? undefined : await createEncoder(
    "image",
    scorer.fitted.config.image.encoder,
    encoderOptions(settings),
  ).catch((err) => {
    scorer.network.network.dispose();
    throw err;
  });
  const name = scorer.fitted.config.text.encoder;
  const textEncoder = name
    ? await createEncoder("text", name, encoderOptions(settings)).catch(async (err) => {
      scorer.network.network.dispose();
      await own?.close();
      throw err;
    })
    : undefined;
  const tagIds = await ensureTags(db, scorer.meta.tags);
  return {
    version,
    _: {
      scorer,
      encoder: options.imageEncoder ?? own!,
      textEncoder,
      tagOf: scorer.meta.tags.map((t) => tagIds.get(t)!),
    },
    async close() {
      scorer.network.network.dispose();
      await own?.close();
      await textEncoder?.close();
    },
  };
}

export interface BatchOutcome {
  /** Posts of the batch scored by this call. */
  scored: number;
  /** Posts set aside whole (no usable modality). */
  quarantined: number;
  /** Posts done before (an earlier attempt). */
  skipped: number;
  rows: number;
}

/** Scores the batch's posts not done yet in the run; one transaction for predictions and quarantine. */
export async function scoreInferBatch(
  store: Store,
  model: BatchScorer,
  runId: string,
  ids: string[],
  options: { caches: CacheShelf; detail?: Record<string, unknown> },
): Promise<BatchOutcome> {
  const { db } = store;
  const { scorer, encoder, textEncoder, tagOf } = model._;
  const source = `infer:${runId}`;
  const done = new Set(
    (await db.query<{ id: string }>(
      `select post_id as id from predictions where run_id = $1 and tag_id = $2 and post_id = any($3::text[])
       union select item from quarantine
       where stage = 'infer' and source = $4 and modality = '' and item = any($3::text[])`,
      [runId, tagOf[0], ids, source],
    )).map((r) => r.id),
  );
  const todo = ids.filter((id) => !done.has(id));
  if (todo.length === 0) return { scored: 0, quarantined: 0, skipped: ids.length, rows: 0 };
  const posts = await readPostsById(db, todo);
  const ctx = { blobs: store.blobs, cacheRoot: options.caches.root, caches: options.caches };
  const texts = await prepareTexts(posts, scorer.fitted.config, ctx);
  const feats = await assembleFeatures(posts, texts, scorer.fitted, {
    ...ctx,
    imageEncoder: encoder,
    textEncoder,
  });
  const scored = await scoreAssembled(scorer, feats, texts, { batchSize: 2048 });
  const probs = scored.probabilities.data, k = tagOf.length;
  const bad = probs.findIndex((p) => !(p >= 0 && p <= 1));
  if (bad >= 0) {
    throw new RangeError(
      `Cannot record prediction for post "${feats.ids[Math.floor(bad / k)]}": probability "${probs[bad]}"`,
    );
  }
  const rows = await db.transaction(async (tx) => {
    const n = await insertPredictions(tx, runId, model.version, {
      feats,
      probs,
      decisions: scored.decisions.data,
      tags: tagOf,
    });
    await quarantine(
      tx,
      feats.problems.map((p) => ({
        stage: "infer" as const,
        source,
        item: p.postId,
        modality: p.modality,
        reason: p.reason,
        runId,
        detail: options.detail,
      })),
    );
    return n;
  });
  const out = new Set(feats.problems.filter((p) => p.modality === "").map((p) => p.postId)).size;
  return { scored: feats.count, quarantined: out, skipped: done.size, rows };
}

/** The run's figures from what its batches wrote; the run is marked succeeded. */
export async function finishInferRun(db: Db, runId: string): Promise<Record<string, number>> {
  const [c] = await db.query<{ scored: number; quarantined: number; rows: number }>(
    `select (select count(distinct post_id) from predictions where run_id = $1)::int as scored,
       (select count(distinct item) from quarantine where stage = 'infer' and source = $2 and modality = '')::int
         as quarantined,
       (select count(*) from predictions where run_id = $1)::int as rows`,
    [runId, `infer:${runId}`],
  );
  await db.query(
    `update runs set status = 'succeeded', finished_at = now(),
       summary = coalesce(summary, '{}'::jsonb) || $2::jsonb where id = $1`,
    [runId, JSON.stringify(c)],
  );
  return c;
}
