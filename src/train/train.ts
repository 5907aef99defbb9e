/**
 * `deno task train`: labeled posts of the window → features → fusion model → thresholds → metrics →
 * manifest → registry (promoted only when at least as good as the current model on the same test set).
 */
import { join } from "node:path";
import type { Settings } from "@/config/mod.ts";
import {
  assembleFeatures,
  DEFAULT_FEATURE_CONFIG,
  type FeatureConfig,
  type FeatureProblem,
  fitFeatures,
  prepareTexts,
  saveFitted,
  textVectors,
} from "@/encode/mod.ts";
import { windowStart } from "@/ingest/mod.ts";
import { type BackendInfo, predict, saveFusionModel, selectBackend } from "@/model/mod.ts";
import { finishRun, quarantine, readDataset, startRun, type Store } from "@/store/mod.ts";
import { codeVersion } from "./code_version.ts";
import { evaluate, padColumns } from "./evaluate.ts";
import { type LabelMatrix, labelMatrix, weightedFBeta } from "./f_beta.ts";
import { CV_MAX_POSTS, fitTagger, type FittedTagger } from "./fit_tagger.ts";
import { NGRAM_DROPOUT, taggerInputs } from "./tagger_inputs.ts";
import { type Manifest, type Metrics, snapshotHash, writeManifest } from "./manifest.ts";
import { decidePromotion, ModelRegistry, newModelVersion } from "./registry.ts";
import { decide, type HiddenModality, scoreCurrent, toFusion } from "./score_model.ts";
import { columnShares, estimateShares, shareError, tagRates } from "./shares.ts";
import { type Part, splitItems } from "./split.ts";
import { applyRules, ruleName } from "./decision_rules.ts";
import { saveTagger } from "./tagger.ts";
import { writeTestPredictions } from "./test_predictions.ts";
import { TRAIN_DEFAULTS } from "./defaults.ts";
import { openTrainEncoders } from "./train_encoders.ts";

export interface TrainOptions {
  /** Only posts of this source (e.g. "goemotions"). @default all */
  source?: string;
  /** Moving window of labeled posts. @default TRAIN_DEFAULTS.window ("24mo") */
  window?: string;
  seed?: number;
  /**
   * Tags with fewer train + dev posts are left out of the vocabulary. Keeping a rare tag never lowers
   * weighted or macro F (a left-out tag scores 0 either way). @default 3
   */
  minTagPosts?: number;
  epochs?: number;
  backend?: "auto" | "wasm" | "webgpu" | "cpu" | "tensorflow";
  /** Also train one model per content modality, to show what fusion adds. @default false */
  compareModalities?: boolean;
  force?: boolean;
  features?: FeatureConfig;
  /** Tuning protocol (see fit_tagger.ts). @default "cv" up to 5,000 labeled posts, else "dev" */
  protocol?: "cv" | "dev";
  /** Promotion tolerance on weighted F0.5. @default 0.005 */
  tolerance?: number;
  onStep?: (step: string) => void;
  /** After each epoch: losses and the dev weighted F0.5 (thresholds tuned) that early stopping follows. */
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number | null, valScore: number | null) => void;
  /** Media progress while features are assembled. */
  onProgress?: (done: number, total: number) => void;
}

export interface TrainResult {
  manifest: Manifest;
  manifestPath: string;
  backend: BackendInfo;
  problems: number;
}

const CONTENT = ["text", "image", "video"] as const;
const ALL: HiddenModality[] = ["text", "image", "video", "metadata"];

export async function train(
  store: Store,
  settings: Settings,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const step = options.onStep ?? (() => {});
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const config = options.features ?? DEFAULT_FEATURE_CONFIG;
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const lap = (
    name: string,
    since: number,
  ) => (timings[name] = Math.round((performance.now() - since) / 100) / 10);

  step("reading labeled posts");
  const windowSpec = options.window ?? TRAIN_DEFAULTS.window;
  const since = windowStart(windowSpec);
  const posts = await readDataset(store.db, { labeled: true, since, source: options.source });
  if (posts.length < 50) {
    throw new RangeError(
      `Cannot train: ${posts.length} labeled posts in the last ${windowSpec}${
        options.source ? ` of source "${options.source}"` : ""
      }; ` +
        `at least 50 are needed. Ingest labeled posts first (deno task ingest --source sample).`,
    );
  }
  const runId = await startRun(store.db, "train", {
    params: { source: options.source ?? null, window: windowSpec, seed },
  });
  try {
    // Split first (stratified on every tag), then the vocabulary from train + dev only: the test
    // split never decides what the model tags. Tags it cannot predict still count in its scores.
    const allTags = new Map<string, number>();
    for (const p of posts) for (const tag of p.tags) if (!allTags.has(tag)) allTags.set(tag, allTags.size);
    const split = splitItems(
      posts.map((p) => ({
        id: p.id,
        createdAt: p.created_at,
        split: p.split,
        tags: p.tags.map((t) => allTags.get(t)!),
      })),
      { seed },
    );
    const counts = new Map<string, number>();
    for (const p of posts) {
      if (split.parts.get(p.id) === "test") continue;
      for (const t of p.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const tags = [...counts].filter(([, n]) => n >= (options.minTagPosts ?? 3)).map(([t]) => t).sort();
    const tagIndex = new Map(tags.map((t, i) => [t, i]));
    const labeledCount = posts.filter((p) => split.parts.get(p.id) !== "test").length;
    const protocol = options.protocol ?? (labeledCount <= CV_MAX_POSTS ? "cv" : "dev");

    step("preparing text and language");
    let t = performance.now();
    const texts = await prepareTexts(posts, config, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
    });
    // IDF and metadata transform from the posts the models train on (train + dev under cross-validation).
    const fitParts: Part[] = protocol === "cv" ? ["train", "dev"] : ["train"];
    const enc = await openTrainEncoders(config, settings);
    const { text: textRecord } = enc.records;
    if (textRecord) step(`text encoder ${textRecord.name}: ${textRecord.id}, ${textRecord.runtime}`);
    const { fitted, feats } = await (async () => {
      const fitPosts = posts.filter((p) => fitParts.includes(split.parts.get(p.id)!));
      const fitted = fitFeatures(fitPosts, texts, config, { textEncoder: textRecord });
      lap("fit_features", t);
      const what = `images and videos${enc.text ? ", sentence embeddings" : ""}`;
      step(`assembling features (${what} through the cache)`);
      t = performance.now();
      const feats = await assembleFeatures(posts, texts, fitted, {
        blobs: store.blobs,
        cacheRoot: join(settings.dataDir, "features"),
        imageEncoder: enc.image,
        textEncoder: enc.text,
        onProgress: options.onProgress,
      });
      return { fitted, feats };
    })().finally(() => enc.close());
    const vectors = textVectors(feats.ids, texts, fitted);
    lap("features", t);
    await quarantineProblems(store, feats.problems, "train", runId);

    const byId = new Map(posts.map((p) => [p.id, p]));
    const labels = labelMatrix(
      feats.ids.map((id) => byId.get(id)!.tags.flatMap((t) => tagIndex.get(t) ?? [])),
      tags.length,
    );
    const rowsOf = (part: Part) => feats.ids.flatMap((id, i) => (split.parts.get(id) === part ? [i] : []));
    const rows = { train: rowsOf("train"), dev: rowsOf("dev"), test: rowsOf("test") };

    const backend = await selectBackend({ backend: options.backend ?? "auto" });
    // A modality no training post has is left out of the network: its projection would stay untrained.
    const seen = [0, 1, 2, 3].map((k) => rows.train.some((r) => feats.mask[r * 4 + k] === 1));
    const items = feats.ids.map((id) => ({
      tags: byId.get(id)!.tags.flatMap((t) => tagIndex.get(t) ?? []),
      time: byId.get(id)!.created_at?.getTime() ?? null,
      text: texts.get(id)?.text,
    }));
    const inputsFor = (hide: HiddenModality[] = []) =>
      taggerInputs(feats, { labels, items, vectors, fitted, seed, hide, seen });
    step(
      `training on ${
        rows.train.length + rows.dev.length
      } labeled posts (${protocol}, backend ${backend.name})`,
    );
    t = performance.now();
    const tagger = await fitTagger(inputsFor(), {
      rows: { train: rows.train, dev: rows.dev },
      protocol,
      seed,
      epochs,
      onStep: (s) => step(`  ${s}`),
      onEpoch: options.onEpoch,
    });
    lap("fit", t);

    step("scoring the test split");
    // Tags of test posts outside the vocabulary count as never predicted, as any scorer counts them.
    const extraTags = [...new Set(rows.test.flatMap((r) => byId.get(feats.ids[r])!.tags))]
      .filter((x) => !tagIndex.has(x)).sort();
    const allIndex = new Map([...tags, ...extraTags].map((x, i) => [x, i]));
    const testY = labelMatrix(
      rows.test.map((r) => byId.get(feats.ids[r])!.tags.map((x) => allIndex.get(x)!)),
      allIndex.size,
    );
    const scoreTest = async (model: FittedTagger, hide: HiddenModality[] = []) => {
      const net = {
        data: await predict(model.network, toFusion(feats, rows.test, undefined, hide)),
        rows: rows.test.length,
        cols: tags.length,
      };
      const vec = hide.includes("text") ? rows.test.map(() => EMPTY) : rows.test.map((r) => vectors[r]);
      return decide(model.parts, [], net, vec);
    };
    const test = await scoreTest(tagger);
    const testPred = padColumns(test.decisions, extraTags.length);
    const rules = tagger.parts.meta.rules;
    const thresholds = rules.map((r) => (r.rule === "every-post" ? 0 : r.threshold));
    const rates = tagRates(tagger.tuning.y, tuningDecisions(tagger));
    const paddedProbs = padColumns(test.probabilities, extraTags.length);
    const shares = estimateShares(testPred, paddedProbs, [
      ...rates,
      ...extraTags.map(() => ({ tpr: 1, fpr: 0 })),
    ]);
    const trueShares = columnShares(testY);
    const metrics: Metrics = {
      ...evaluate(testY, testPred, {
        tags: [...tags, ...extraTags],
        langs: rows.test.map((r) => feats.langs[r]),
        thresholds: [...thresholds, ...extraTags.map(() => 1)],
        rules: [...rules.map(ruleName), ...extraTags.map(() => "not in the vocabulary")],
      }),
      ablation: {},
      share_error: {
        counts: shareError(shares.counts, trueShares),
        probabilities: shareError(shares.probabilities, trueShares),
        adjusted_counts: shareError(shares.adjusted_counts, trueShares),
      },
    };
    const testF05 = (d: LabelMatrix) => weightedFBeta(testY, padColumns(d, extraTags.length), { beta: 0.5 });
    for (const m of ALL) {
      const s = testF05((await scoreTest(tagger, [m])).decisions);
      metrics.ablation[m] = { weighted_f05: s, drop: metrics.weighted_f05 - s };
    }
    if (options.compareModalities) {
      step("training one model per modality, for comparison");
      metrics.single_modality = {};
      for (const keep of [...CONTENT, "metadata"] as const) {
        const hide = ALL.filter((m) => m !== keep);
        const only = await fitTagger(inputsFor(hide), {
          rows: { train: rows.train, dev: rows.dev },
          protocol,
          seed,
          epochs,
        });
        metrics.single_modality[keep] = testF05((await scoreTest(only, hide)).decisions);
        only.network.network.dispose();
      }
    }
    const runDir = join(settings.runsDir, runId);
    await writeTestPredictions(join(runDir, "test_predictions.jsonl"), {
      posts: rows.test.map((r) => ({
        id: feats.ids[r],
        lang: feats.langs[r],
        tags: byId.get(feats.ids[r])!.tags,
      })),
      tags,
      probabilities: test.probabilities,
      decisions: test.decisions,
    });

    step("saving the model and comparing it with the current one");
    const registry = new ModelRegistry(settings.modelsDir);
    const version = newModelVersion();
    const path = registry.pathOf(version);
    const staged = await registry.stage(version);
    const encoders = {
      text: `text-ngrams@${fitted.ngrams.version}${textRecord ? ` + ${textRecord.id}` : ""}`,
      image: enc.records.image.id,
      video: `${enc.records.image.id}+frames${config.video.frames}`,
    };
    await saveFusionModel(tagger.network, staged, {
      tags,
      thresholds,
      encoders,
      metadataTransform: fitted.metadata as never,
    });
    await saveFitted(staged, fitted);
    await saveTagger(staged, tagger.parts);
    await registry.commit(version, staged);
    await registry.reconcile(store.db); // a crash during an earlier promotion
    const current = await registry.current();
    const testPosts = posts.filter((p) => split.parts.get(p.id) === "test");
    const currentScore = current
      ? await scoreCurrent(registry, current, testPosts, settings, store)
      : undefined;
    const decision = decidePromotion({
      candidate: metrics.weighted_f05,
      current: currentScore?.score,
      comparable: currentScore ? sameTags(currentScore.tags, tags) : true,
      force: options.force,
      tolerance: options.tolerance,
    });
    await store.db.query(
      `insert into models (version, run_id, status, metrics, path) values ($1, $2, $3, $4::jsonb, $5)`,
      [
        version,
        runId,
        "candidate",
        JSON.stringify({
          weighted_f05: metrics.weighted_f05,
          macro_f1: metrics.macro_f1,
          micro_f1: metrics.micro_f1,
        }),
        path,
      ],
    );
    if (decision.promote) await registry.promote(store.db, version);
    const parameters = tagger.network.network.countParams();
    tagger.network.network.dispose();

    timings.total = Math.round((performance.now() - t0) / 100) / 10;
    const manifest: Manifest = {
      run_id: runId,
      created_at: new Date().toISOString(),
      source: options.source ?? "all",
      config: {
        features: config,
        window: windowSpec,
        minTagPosts: options.minTagPosts ?? 3,
        epochs,
        bestEpoch: tagger.bestEpoch,
        epochsRun: tagger.epochsRun,
        model: { ...tagger.network.config, parameters },
        fit: {
          ngramDropout: NGRAM_DROPOUT,
          positiveWeighting: "none",
          earlyStopping: "held-out weighted F0.5 (per-tag thresholds)",
        },
      },
      data: {
        snapshot_hash: snapshotHash(posts.map((p) => ({ id: p.id, tags: p.tags }))),
        window: { from: since.toISOString(), to: new Date().toISOString() },
        split_method: split.method,
        counts: { train: rows.train.length, dev: rows.dev.length, test: rows.test.length, tags: tags.length },
      },
      code: await codeVersion(),
      seed,
      tags,
      encoders,
      encoder_records: enc.records,
      backend: backend.name,
      metrics,
      thresholds,
      timings_s: timings,
      duration_s: timings.total,
      model: { version, path, promoted: decision.promote, reason: decision.reason },
      protocol: tagger.protocol,
      calibration: tags.map((tag, i) => ({
        tag,
        ...tagger.parts.meta.calibration[i],
        brier: tagger.brier[i],
      })),
      share_rates: Object.fromEntries(tags.map((tag, i) => [tag, rates[i]])),
      curves: tagger.curves,
    };
    const manifestPath = await writeManifest(settings.runsDir, manifest);
    await finishRun(store.db, runId, {
      status: "succeeded",
      summary: { weighted_f05: metrics.weighted_f05, model: version, promoted: decision.promote },
    });
    return { manifest, manifestPath, backend, problems: feats.problems.length };
  } catch (err) {
    await finishRun(store.db, runId, { status: "failed", summary: { error: (err as Error).message } });
    throw err;
  }
}

const EMPTY = { indices: new Int32Array(0), values: new Float32Array(0) };

/** The tagger's decisions on its own tuning posts (for the rates behind the adjusted counts). */
const tuningDecisions = (t: FittedTagger) => applyRules(t.tuning.probabilities, t.parts.meta.rules);

async function quarantineProblems(
  store: Store,
  problems: FeatureProblem[],
  stage: "train" | "infer" | "preprocess",
  runId: string,
) {
  await quarantine(
    store.db,
    problems.map((p) => ({
      stage,
      source: "features",
      item: p.postId,
      modality: p.modality,
      reason: p.reason,
      runId,
    })),
  );
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);
