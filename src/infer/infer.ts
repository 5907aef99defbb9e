/**
 * `deno task infer`: score a reproducible random sample of the period's posts with a registered model and
 * write every (post, tag) probability and decision to `predictions`.
 *
 * - The run id comes from (model version, period, sample size, seed): rerunning writes nothing twice
 *   and a killed run resumes — batches commit one transaction each, and posts that already have
 *   predictions (or were quarantined) in the run are skipped.
 * - Speed: batch i+1 is read, assembled and scored (text bags summed on the host, see model/predict.ts)
 *   while batch i is written; on PostgreSQL rows go in by COPY (an insert that skips existing rows if
 *   COPY is ever rejected), two batches at once, so the job's JS and the server's processes use both
 *   cores.
 * - Each shard of a run is claimed with a heartbeat (see claim.ts): an overlapping start throws
 *   InferBusyError; `shard` splits one run's sample over several workers sharing a PostgreSQL.
 * - A post whose image or video cannot be used is scored with its other modalities and flagged in
 *   `quarantine` (stage "infer"); a post with no usable modality is quarantined instead of scored.
 *   The summary adds up: sampled = scored + quarantined.
 */
import { join } from "node:path";
import type { Settings } from "@/config/mod.ts";
import {
  assembleFeatures,
  CacheShelf,
  createEncoder,
  encoderOptions,
  type ImageEmbedder,
  prepareTexts,
} from "@/encode/mod.ts";
import { type BackendRequest, selectBackend } from "@/model/mod.ts";
import { type Db, ensureTags, quarantine, startRun, type Store } from "@/store/mod.ts";
import { codeVersion, loadScorer, ModelRegistry, scoreAssembled } from "@/train/mod.ts";
import { claimShard } from "./claim.ts";
import { insertPredictions, PREDICTION_COLUMNS, predictionRows } from "./_write.ts";
import { readPostsById } from "./_posts.ts";
import { inferPeriod, type Period } from "./period.ts";
import {
  inferRunId,
  inferRunParams,
  sampleIds,
  type SampleSpec,
  type Shard,
  shardKey,
  WHOLE,
} from "./sample.ts";

export interface InferOptions {
  /** Length of the period, snapped to whole windows (see period.ts). @default "24h" */
  since?: string;
  /** End of the period (exclusive). @default the last window boundary */
  until?: Date;
  /** The clock, for tests. @default new Date() */
  now?: Date;
  /** Posts drawn from the period. @default 300000 */
  sample?: number;
  /** Sample seed. @default 1 */
  seed?: number;
  /** "current" or a model version. @default "current" */
  model?: string;
  /** This worker's part of the run. @default the whole run (0/1) */
  shard?: Shard;
  /** Posts per transaction. @default 2000 */
  batchSize?: number;
  /** Another worker may take the shard over after this long without a heartbeat. @default 600 */
  leaseSeconds?: number;
  /** tfjs backend for scoring; never silent: the one used is in the summary. @default "auto" */
  backend?: BackendRequest;
  /** The image encoder (the model's own, created from its feature config, when not given). */
  imageEncoder?: ImageEmbedder;
  /** Called after each committed batch. */
  onBatch?: (progress: { done: number; total: number }) => void | Promise<void>;
  /** Called once the shard's predictions are all written, e.g. to refresh trend aggregates. */
  afterWrite?: (db: Db, period: Period) => Promise<void>;
}

export interface InferSummary {
  runId: string;
  modelVersion: string;
  period: { from: string; to: string };
  shard: string;
  /** Posts of this shard's part of the sample. */
  sampled: number;
  /** Sampled posts with predictions in the run (this attempt and earlier ones). */
  scored: number;
  /** Sampled posts with no usable modality, set aside. */
  quarantined: number;
  /** Scored posts that had some modality set aside (image or video failed, bad text). */
  flagged: number;
  /** Posts already done by an earlier attempt of the run (skipped). */
  resumed: number;
  /** Prediction rows written by this attempt. */
  rows: number;
  tags: number;
  batches: number;
  /** The tfjs backend that scored. */
  backend: string;
  features: { cache_hits: number; computed: number };
  timings_s: Record<string, number>;
}

export async function runInference(
  store: Store,
  settings: Settings,
  options: InferOptions = {},
): Promise<InferSummary> {
  const t0 = performance.now();
  const timings: Record<string, number> = { features: 0, predict: 0, write: 0 };
  const since = options.since ?? "24h";
  const shard = options.shard ?? WHOLE;
  const batchSize = options.batchSize ?? 2000;
  const lease = options.leaseSeconds ?? 600;
  const { db } = store;

  const { version, path } = await new ModelRegistry(settings.modelsDir).resolve(options.model ?? "current");
  const period = inferPeriod(since, { until: options.until, now: options.now });
  const spec: SampleSpec = { period, size: options.sample ?? 300_000, seed: options.seed ?? 1 };
  const runId = inferRunId(version, spec);
  const quarantineSource = `infer:${runId}`;
  const backend = await selectBackend({ backend: options.backend ?? "auto" });
  // network, fitted features and the tagger (linear part, blend, calibration, decision rules)
  const scorer = await loadScorer(path);
  const { fitted, meta, network: model } = scorer;
  const own = options.imageEncoder
    ? undefined
    : await createEncoder("image", fitted.config.image.encoder, encoderOptions(settings)).catch((err) => {
      model.network.dispose();
      throw err;
    });
  const encoder: ImageEmbedder = options.imageEncoder ?? own!;
  // the sentence encoder the model was trained with, opened once for every batch
  const textEncoder = fitted.config.text.encoder
    ? await createEncoder("text", fitted.config.text.encoder, encoderOptions(settings)).catch(
      async (err) => {
        model.network.dispose();
        await own?.close();
        throw err;
      },
    )
    : undefined;
  const dispose = async () => {
    model.network.dispose();
    await own?.close();
    await textEncoder?.close();
  };
  const claim = await claimShard(db, runId, shard, { leaseSeconds: lease }).catch(async (err) => {
    await dispose();
    throw err;
  });
  let lost: Error | undefined;
  const beat = setInterval(() => claim.renew().catch((e) => (lost = e)), (lease * 1000) / 3);
  let next: Promise<unknown> | undefined; // the batch being prepared ahead
  try {
    await startRun(db, "infer", {
      id: runId,
      params: { ...inferRunParams(since, spec, version), shards: shard.count },
      modelVersion: version,
      codeVersion: (await codeVersion()).gitSha,
    });
    const tagIds = await ensureTags(db, meta.tags);
    const tagOf = meta.tags.map((name) => tagIds.get(name)!);
    // A batch writes every tag of its posts in one transaction, so a post has predictions in the run
    // when it has one for the first tag: counting those reads 1/k of the run's rows. The sample is
    // joined as a set (`in (select unnest ...)`): `= any(array)` compares each row with every id.
    const firstTag = tagOf[0];
    const t = performance.now();
    const ids = await sampleIds(db, spec, shard);
    const done = new Set(
      (await db.query<{ id: string }>(
        `with sample as (select unnest($2::text[]) as id)
         select post_id as id from predictions
         where run_id = $1 and tag_id = $4 and post_id in (select id from sample)
         union select item from quarantine
         where stage = 'infer' and source = $3 and modality = '' and item in (select id from sample)`,
        [runId, ids, quarantineSource, firstTag],
      )).map((r) => r.id),
    );
    const todo = ids.filter((id) => !done.has(id));
    timings.sample = secs(t);
    const k = meta.tags.length;
    let rows = 0, batches = 0;
    const features = { cache_hits: 0, computed: 0 };

    const caches = new CacheShelf(join(settings.dataDir, "features")); // opened once for every batch
    // Batch i+1 is read, assembled and scored while batch i is written: JS and the database work at once.
    const prepare = async (start: number) => {
      let t = performance.now();
      const posts = await readPostsById(db, todo.slice(start, start + batchSize));
      const texts = await prepareTexts(posts, fitted.config, {
        blobs: store.blobs,
        cacheRoot: caches.root,
        caches,
      });
      const feats = await assembleFeatures(posts, texts, fitted, {
        blobs: store.blobs,
        cacheRoot: caches.root,
        caches,
        imageEncoder: encoder,
        textEncoder,
      });
      features.cache_hits += feats.stats.cache_hits;
      features.computed += feats.stats.computed;
      timings.features += secs(t);
      t = performance.now();
      const scored = await scoreAssembled(scorer, feats, texts, { batchSize: 2048 });
      const probs = scored.probabilities.data;
      timings.predict += secs(t);
      const bad = probs.findIndex((p) => !(p >= 0 && p <= 1));
      if (bad >= 0) {
        throw new RangeError(
          `Cannot record prediction for post "${feats.ids[Math.floor(bad / k)]}": probability "${
            probs[bad]
          }"`,
        );
      }
      return { feats, probs, decisions: scored.decisions.data, tags: tagOf };
    };
    type Prepared = Awaited<ReturnType<typeof prepare>>;
    const ahead = (start: number) => {
      if (start >= todo.length) return undefined;
      const p = prepare(start);
      p.catch(() => {}); // awaited below; this only keeps an abandoned batch from being "unhandled"
      return p;
    };
    const copy = db.copyRows !== undefined;
    const writeBatch = async (batch: Prepared, size: number) => {
      const t = performance.now();
      const write = (viaCopy: boolean) =>
        db.transaction(async (tx) => {
          const n = viaCopy
            ? await tx.copyRows!("predictions", PREDICTION_COLUMNS, predictionRows(runId, version, batch))
            : await insertPredictions(tx, runId, version, batch);
          await quarantine(
            tx,
            batch.feats.problems.map((p) => ({
              stage: "infer" as const,
              source: quarantineSource,
              item: p.postId,
              modality: p.modality,
              reason: p.reason,
              runId,
            })),
          );
          // Last, so that concurrent batches hold the claim row only for a moment; a worker that lost
          // the claim meanwhile rolls the batch back.
          await claim.renew(tx);
          return n;
        });
      // COPY where the engine streams it (PostgreSQL): no post of the batch has predictions yet (the
      // claim and the resume check see to it), so it skips nothing. Should it still be rejected, the
      // batch is written again with the insert that skips existing rows and reports any real error.
      const n = copy
        ? await write(true).catch((err) => {
          if (lost) throw lost;
          if (!/^Cannot copy/.test((err as Error).message)) throw err;
          return write(false);
        })
        : await write(false);
      timings.write += secs(t);
      rows += n;
      batches++;
      written += size;
      await options.onBatch?.({ done: written, total: todo.length });
    };
    // On PostgreSQL two batches are written at once (each on its own connection and server process,
    // committed on its own: a killed run loses at most those two); PGlite is one process, one at a time.
    const writers = db.kind === "postgres" ? 2 : 1;
    const writing: Promise<void>[] = [];
    let written = 0;
    let ready = ahead(0);
    try {
      for (let start = 0; start < todo.length; start += batchSize) {
        if (lost) throw lost;
        const batch = await ready!;
        next = ready = ahead(start + batchSize);
        if (writing.length >= writers) await writing.shift();
        const w = writeBatch(batch, Math.min(batchSize, todo.length - start));
        w.catch(() => {}); // awaited below
        writing.push(w);
      }
      while (writing.length > 0) await writing.shift();
    } finally {
      await Promise.allSettled(writing); // no batch left writing when the run ends or fails
    }

    const [c] = await db.query<{ scored: number; quarantined: number; flagged: number }>(
      `with sample as (select unnest($2::text[]) as id),
       s as (select post_id from predictions
             where run_id = $1 and tag_id = $4 and post_id in (select id from sample)),
       q as (select item, bool_or(modality = '') as out from quarantine
             where stage = 'infer' and source = $3 and item in (select id from sample) group by item)
       select (select count(*) from s)::int as scored,
         (select count(*) from q where out)::int as quarantined,
         (select count(*) from q join s on s.post_id = q.item where not q.out)::int as flagged`,
      [runId, ids, quarantineSource, firstTag],
    );
    timings.total = secs(t0);
    const summary: InferSummary = {
      runId,
      modelVersion: version,
      period: { from: period.from.toISOString(), to: period.to.toISOString() },
      shard: shardKey(shard),
      sampled: ids.length,
      scored: c.scored,
      quarantined: c.quarantined,
      flagged: c.flagged,
      resumed: done.size,
      rows,
      tags: k,
      batches,
      backend: backend.name,
      features,
      timings_s: timings,
    };
    await finishShard(db, runId, shard, { ...summary });
    await options.afterWrite?.(db, period);
    return summary;
  } catch (err) {
    await finishShard(db, runId, shard, { error: (err as Error).message }).catch(() => {});
    throw err;
  } finally {
    await next?.catch(() => {}); // let a batch prepared ahead finish before the model goes
    clearInterval(beat);
    await claim.release().catch(() => {});
    await dispose();
  }
}

const secs = (since: number) => Math.round(performance.now() - since) / 1000;

/** Records one shard's outcome on the run; the run succeeds when every shard has succeeded. */
async function finishShard(db: Db, runId: string, shard: Shard, outcome: Record<string, unknown>) {
  await db.query(
    `update runs set
       summary = jsonb_set(summary, '{shards}', coalesce(summary -> 'shards', '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb)),
       status = case
         when $3::jsonb ? 'error' then 'failed'
         when (select count(*) from jsonb_each(coalesce(summary -> 'shards', '{}'::jsonb) || jsonb_build_object($2::text, $3::jsonb)) e
               where not (e.value ? 'error')) >= $4 then 'succeeded'
         else 'running' end,
       finished_at = now()
     where id = $1`,
    [runId, shardKey(shard), JSON.stringify(outcome), shard.count],
  );
}
