/**
 * Scoring assembled features with a saved model, the same way in training (the test split, the current
 * model) and in the inference job: the network's probabilities, the linear model on the full TF-IDF bags,
 * the blend, calibration and each tag's decision rule (./tagger.ts). A folder from before the tagger is
 * scored by its network and thresholds.
 *
 * @module
 */
import { join } from "node:path";
import type { Settings } from "@/config/mod.ts";
import {
  type AssembledFeatures,
  assembleFeatures,
  createEncoder,
  encoderOptions,
  type FittedFeatures,
  loadFitted,
  type PreparedText,
  prepareTexts,
  type SparseVector,
  textVectors,
} from "@/encode/mod.ts";
import { type FusionData, type FusionModel, loadFusionModel, type ModelMeta, predict } from "@/model/mod.ts";
import type { DatasetPost, Store } from "@/store/mod.ts";
import { type LabelMatrix, labelMatrix, weightedFBeta } from "./f_beta.ts";
import { padColumns, selectRows } from "./evaluate.ts";
import type { ModelRegistry } from "./registry.ts";
import { loadTagger, taggerDecisions, type TaggerParts, taggerProbabilities } from "./tagger.ts";
import { applyThresholds, type ScoreMatrix } from "./thresholds.ts";

const MODALITY_INDEX = { text: 0, image: 1, video: 2, metadata: 3 } as const;
export type HiddenModality = keyof typeof MODALITY_INDEX;

const presenceOf = new WeakMap<AssembledFeatures, boolean[]>();

/** Per modality (text, image, video, metadata): whether any row of `f` has it. */
function presence(f: AssembledFeatures): boolean[] {
  let p = presenceOf.get(f);
  if (!p) {
    p = [false, false, false, false];
    for (let i = 0; i < f.mask.length; i++) if (f.mask[i]) p[i % 4] = true;
    presenceOf.set(f, p);
  }
  return p;
}

/** Rows `rows` of the assembled features as network inputs, with `hide`'s modalities masked out. */
export function toFusion(
  f: AssembledFeatures,
  rows: readonly number[],
  labels?: LabelMatrix,
  hide: readonly HiddenModality[] = [],
): FusionData {
  const present = presence(f);
  const take = <T extends Float32Array | Int32Array | Uint8Array>(a: T, w: number, k = -1): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length * w);
    // a modality no post has is all zeros: nothing to copy (images and videos are 1,280 and 2,565 wide)
    if (k < 0 || present[k]) rows.forEach((r, i) => out.set(a.subarray(r * w, (r + 1) * w), i * w));
    return out;
  };
  const mask = take(f.mask, 4);
  for (const m of hide) {
    for (let i = 0; i < rows.length; i++) mask[i * 4 + MODALITY_INDEX[m]] = 0;
  }
  return {
    count: rows.length,
    textIds: take(f.textIds, f.sizes.maxTokens),
    textWeights: take(f.textWeights, f.sizes.maxTokens),
    ...(f.text && f.sizes.text > 0 ? { text: take(f.text, f.sizes.text) } : {}),
    image: take(f.image, f.sizes.image, 1),
    video: take(f.video, f.sizes.video, 2),
    metadata: take(f.metadata, f.sizes.metadata),
    mask,
    labels: labels ? selectRows(labels, [...rows]).data : undefined,
  };
}

/** A saved model ready to score. */
export interface Scorer {
  network: FusionModel;
  meta: ModelMeta;
  fitted: FittedFeatures;
  /** Undefined for a model from before the tagger. */
  tagger?: TaggerParts;
}

/** Loads a model folder (network, fitted features, tagger). Dispose `network.network` when done. */
export async function loadScorer(dir: string): Promise<Scorer> {
  const fitted = await loadFitted(dir);
  const tagger = await loadTagger(dir);
  const { model, meta } = await loadFusionModel(dir);
  return { network: model, meta, fitted, tagger };
}

/** Probabilities (count x tags) and decisions of a tagger for network probabilities and text bags. */
export function decide(
  tagger: TaggerParts | undefined,
  thresholds: readonly number[],
  network: ScoreMatrix,
  vectors: readonly SparseVector[] | null,
): { probabilities: ScoreMatrix; decisions: LabelMatrix } {
  if (!tagger) return { probabilities: network, decisions: applyThresholds(network, [...thresholds]) };
  const probabilities = taggerProbabilities(tagger, network, vectors);
  return { probabilities, decisions: taggerDecisions(tagger, probabilities) };
}

/** Scores every row of `feats` (posts of `texts`) with a loaded model. */
export async function scoreAssembled(
  scorer: Scorer,
  feats: AssembledFeatures,
  texts: Map<string, PreparedText>,
  options: { batchSize?: number } = {},
): Promise<{ probabilities: ScoreMatrix; decisions: LabelMatrix }> {
  const k = scorer.meta.tags.length;
  const data = feats.count > 0
    ? await predict(scorer.network, feats, { batchSize: options.batchSize })
    : new Float32Array();
  const vectors = scorer.tagger?.linear ? textVectors(feats.ids, texts, scorer.fitted) : null;
  return decide(scorer.tagger, scorer.meta.thresholds, { data, rows: feats.count, cols: k }, vectors);
}

/** The current model's weighted F0.5 on the candidate's test posts (its own features and decisions). */
export async function scoreCurrent(
  registry: ModelRegistry,
  version: string,
  testPosts: DatasetPost[],
  settings: Settings,
  store: Store,
): Promise<{ score: number; tags: string[] } | undefined> {
  const { path } = await registry.resolve(version);
  const scorer = await loadScorer(path).catch(() => undefined); // a model from before features.json
  if (!scorer) return undefined;
  const encoder = await createEncoder("image", scorer.fitted.config.image.encoder, encoderOptions(settings));
  try {
    const texts = await prepareTexts(testPosts, scorer.fitted.config, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
    });
    const feats = await assembleFeatures(testPosts, texts, scorer.fitted, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
      imageEncoder: encoder,
      modelsDir: settings.modelsDir,
    });
    // scored as the candidate is: tags of test posts outside the vocabulary count as never predicted
    const tags = scorer.meta.tags;
    const byId = new Map(testPosts.map((p) => [p.id, p]));
    const extra = [...new Set(testPosts.flatMap((p) => p.tags))].filter((t) => !tags.includes(t));
    const index = new Map([...tags, ...extra].map((t, i) => [t, i]));
    const y = labelMatrix(feats.ids.map((id) => byId.get(id)!.tags.map((t) => index.get(t)!)), index.size);
    const { decisions } = await scoreAssembled(scorer, feats, texts);
    return { score: weightedFBeta(y, padColumns(decisions, extra.length), { beta: 0.5 }), tags };
  } finally {
    await encoder.close();
    scorer.network.network.dispose();
  }
}
