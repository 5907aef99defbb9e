/**
 * Fits the tagger (./tagger.ts) under one of two protocols:
 *
 * - `cv` (a few thousand labeled posts or fewer): k folds over train + dev (./folds.ts). Out-of-fold
 *   scores choose the linear model's C, the network's epochs (each fold stops early on its held-out
 *   part), the blend weight, each tag's calibration and decision rule. Then both parts are refitted on
 *   all of train + dev with what was chosen (C, and the median of the folds' epochs), so the thresholds
 *   meet a model trained the way the fold models were. Forced on a larger set (`protocol: "cv"`), it
 *   makes LARGE_FOLDS folds, only fold 0 stops early (the others and the refit train its best epoch
 *   count) and the fold-0 screen is skipped.
 * - `dev` (more): the parts are trained on train and every choice is made on dev (C, the network's epochs,
 *   blend, calibration, rules); then, when the linear model is solved exactly (`dual`), both parts are
 *   refitted on train + dev: the linear model with the chosen C, the network for the dev fit's best epoch
 *   count. SGD's linear model is kept as fitted on train (its last iterate follows the last rows it saw),
 *   and then the network is kept too: the blend, calibration and rules were chosen for that pair.
 *
 * Measured on held-out train posts (a seeded 10% of train as the test, the real test posts dropped;
 * bench/_quality_holdout.ts), weighted F0.5 of the dev protocol as it was (nothing refitted) -> refits:
 * - XED full (dual linear, C 16): 0.4494 -> 0.4599 (linear alone refitted 0.4577, network alone 0.4583);
 * - GoEmotions full (SGD linear, C 4): 0.5780 -> 0.5778 with the network refitted (with the 2^20 hash space
 *   and calibration matched to the labeled base rate: 0.5763 -> 0.5769, but the mean probability's share
 *   error 0.0021 -> 0.0031, as the dev fit's calibration meets another network, and 45 of 135 s of
 *   fitting); so with SGD nothing is refitted (`paired`). Refitting the SGD model as well 0.5694 (its
 *   calibrated probabilities' share error 0.0023 -> 0.0095: the scale moved), and with a mean of 20
 *   last-pass iterates for SGD (which refits stably: linear alone 0.568 -> 0.571) 0.5742, or 0.5719 with
 *   the C of 1 dev then picks; the dual solver at C 1 (3x SGD's time) 0.5715.
 * - `cv` with 3 folds on GoEmotions full: 0.5726 in 282 s of fitting (dev: 108 s; fold models are weaker).
 *
 * Out-of-fold figures choose; they are never reported as quality (the test split is, by the caller).
 *
 * @module
 */
import type { SparseVector } from "@/encode/mod.ts";
import type { FitResult, FusionModel } from "@/model/mod.ts";
import { brierPerTag, calibrate, fitCalibration } from "./calibration.ts";
import { applyRules, chooseRules } from "./decision_rules.ts";
import { selectRows } from "./evaluate.ts";
import { type LabelMatrix, weightedFBeta } from "./f_beta.ts";
import { assignFolds, type FoldItem, foldRows, type Folds } from "./folds.ts";
import { fitLinear, type LinearModel, predictLinear, sparseRows } from "./linear.ts";
import type { Curves, ProtocolRecord } from "./manifest.ts";
import { columnShares } from "./shares.ts";
import { blendScores, type TaggerParts } from "./tagger.ts";
import { applyThresholds, type ScoreMatrix, tuneThresholds } from "./thresholds.ts";
import { TRAIN_DEFAULTS } from "./defaults.ts";

/** What the tagger is fitted on: rows of the assembled features. */
export interface TaggerInputs {
  /** Labels of every row (the tag vocabulary). */
  labels: LabelMatrix;
  /** Per row: tags, time and text, for the folds. */
  items: FoldItem[];
  /** Full TF-IDF bag of every row, or null when the text is left out. */
  vectors: SparseVector[] | null;
  vectorDim: number;
  /** Trains a network on `rows`; with `validation` it stops early on their tuned weighted F0.5. */
  fitNetwork(
    rows: number[],
    options: { validation: number[] | null; epochs: number; onEpoch?: OnEpoch },
  ): Promise<FitResult>;
  /** The network's probabilities for `rows`. */
  predictNetwork(model: FusionModel, rows: number[]): Promise<ScoreMatrix>;
}

type OnEpoch = (epoch: number, trainLoss: number, valLoss: number | null, valScore: number | null) => void;

/** Options of {@link fitTagger}. */
export interface FitTaggerOptions {
  rows: { train: number[]; dev: number[] };
  /** @default "cv" up to CV_MAX_POSTS labeled posts, else "dev" */
  protocol?: "cv" | "dev";
  /** @default 5 up to CV_MAX_POSTS labeled posts, else LARGE_FOLDS */
  folds?: number;
  /**
   * Under cv, the network's epochs: `each` fold stops early on its held-out part and the refit trains
   * their median; `first`: fold 0 stops early, the other folds and the refit train its best epoch count
   * with no held-out pass. @default "each" up to CV_MAX_POSTS labeled posts, else "first"
   */
  foldEpochs?: "each" | "first";
  /**
   * Under dev, the parts refitted on train + dev once every choice is made on dev (C, epochs, blend,
   * calibration, rules): `linear`, `both`, `none`, or `paired` (both when the linear model can be refitted,
   * else none); a linear model solved by SGD is never refitted (module doc). @default "paired"
   */
  devRefit?: "none" | "linear" | "both" | "paired";
  /**
   * The base rate each tag's calibration is matched to over the tuning posts (./calibration.ts):
   * `labeled` (train + dev) or `tuning` (Platt's fit as it comes; under cv they nearly agree). On held-out
   * train posts (seed 11, 10%), weighted F0.5 / share error of the mean probability, tuning -> labeled:
   * GoEmotions full, nothing refitted 0.5753 / 0.0023 -> 0.5763 / 0.0021, network refitted 0.5734 / 0.0035
   * -> 0.5769 / 0.0031 (top-k rules compare tags' probabilities); XED full refitted 0.4715 / 0.0067 ->
   * 0.4711 / 0.0064. @default "labeled"
   */
  calibrationBase?: "labeled" | "tuning";
  /** Decision-rule options (./decision_rules.ts). @default DEV_DECISIONS under dev and above CV_MAX_POSTS, else none */
  decisions?: { smooth: number; countAllowance: number };
  seed?: number;
  /** Most epochs of a network fit. @default 30 */
  epochs?: number;
  /** The linear model's C values tried (scikit-learn's C: l2 = 1 / (C x posts)). @default [1, 4, 16] under cv, [4, 16] under dev
   * (on both full sets C 1 and 64 lost to 4 or 16 on dev; each value is a full fit of tens of thousands of
   * posts) */
  cGrid?: number[];
  onStep?: (step: string) => void;
  onEpoch?: OnEpoch;
}

export interface FittedTagger {
  network: FusionModel;
  parts: TaggerParts;
  protocol: ProtocolRecord;
  /** Calibrated probabilities of the tuning posts (out of fold, or dev) and their truth. */
  tuning: { probabilities: ScoreMatrix; y: LabelMatrix };
  /** Brier score per tag of the calibrated tuning probabilities. */
  brier: number[];
  curves: Curves;
  bestEpoch: number;
  epochsRun: number;
}

/** Above this many labeled posts (train + dev) the dev protocol is used. */
export const CV_MAX_POSTS = 5000;
/** Folds of the cv protocol above CV_MAX_POSTS labeled posts. */
export const LARGE_FOLDS = 3;
/**
 * Up to this many training posts x tags the linear model is solved exactly (dual coordinate descent, whose
 * pass costs the rows' non-zeros per tag), beyond by SGD. XED full (62,399 posts x 8 tags) is solved
 * exactly; GoEmotions full (43,410 x 28) by SGD.
 */
const DUAL_MAX_WORK = 600_000;
const useDual = (rows: number, tags: number) => rows * tags <= DUAL_MAX_WORK;
const BLEND_GRID = Array.from({ length: 11 }, (_, i) => i / 10);
/**
 * On fold 0 the network must add this much to the linear model for the other folds to be fitted: on
 * 160 held-out posts a blend gains up to ~0.025 by chance (GoEmotions 720 draws), while images or
 * videos the linear model cannot see add far more.
 */
const SCREEN_MARGIN = 0.03;
/**
 * What the dev protocol refits on train + dev (module doc): both parts when the linear model is solved
 * exactly (XED full +0.0105 on held-out train posts), neither with SGD's (GoEmotions full).
 */
const DEV_REFIT: NonNullable<FitTaggerOptions["devRefit"]> = "paired";
/**
 * Decision rules under the dev protocol (./decision_rules.ts): the F0.5 curve averaged over +/- 2 sqrt(P)
 * predicted posts, each tag allowed `countScale / sqrt(tags)` of the weighted F0.5 for a count nearer its
 * positives. Measured away from the test split, weighted F0.5 / counts' share error, before -> after:
 * - halves of the full sets' dev posts (tuned on one, scored on the other; 12 and 16 splits), 0.0001 a tag:
 *   GoEmotions 0.5676 / 0.0135 -> 0.5682 / 0.0103, 0.5675 / 0.0137 -> 0.5678 / 0.0107; XED 0.4583 / 0.0696
 *   -> 0.4589 / 0.0595, 0.4590 / 0.0715 -> 0.4586 / 0.0620; GoEmotions trained on train less 4,000 posts,
 *   scored on those: 0.5551 / 0.0135 -> 0.5551 / 0.0093 (0.00015 a tag: 0.5542 / 0.0090);
 * - held-out train posts (seed 11, 10%), by a tag's allowance: GoEmotions 0.0001 0.5763 / 0.0091, 0.00015
 *   0.5770 / 0.0089, 0.0002 0.5753 / 0.0080, 0.0003 0.5736 / 0.0076; XED full 0.0001 0.4711 / 0.0572,
 *   0.00028 0.4715 / 0.0484, 0.00035 0.4720 / 0.0471, 0.000525 0.4703 / 0.0439, 0.001 0.4630.
 * Hence 0.00015 a tag on GoEmotions' 28, 0.00028 on XED's 8. Under cv neither helped on 720-post draws: off.
 */
export const DEV_DECISIONS = { smooth: 2, countScale: 0.0008 } as const;

/** Weighted F0.5 of `scores` with per-tag thresholds tuned on them: how candidates are compared. */
export function tunedF05(scores: ScoreMatrix, y: LabelMatrix): number {
  return weightedFBeta(y, applyThresholds(scores, tuneThresholds(scores, y, { beta: 0.5 })), { beta: 0.5 });
}

function linearFit(inputs: TaggerInputs, rows: number[], c: number): LinearModel {
  const x = sparseRows(rows.map((r) => inputs.vectors![r]), inputs.vectorDim);
  const dual = useDual(rows.length, inputs.labels.cols);
  return fitLinear(x, selectRows(inputs.labels, rows), {
    optimizer: dual ? "dual" : "sgd",
    l2: 1 / (c * rows.length),
    epochs: dual ? 30 : 5,
  });
}

const linearScores = (inputs: TaggerInputs, model: LinearModel, rows: number[]) =>
  predictLinear(model, sparseRows(rows.map((r) => inputs.vectors![r]), inputs.vectorDim));

/** Writes `part`'s rows of `scores` into `into` at the positions of `rows` within `all`. */
function place(into: Float32Array, scores: ScoreMatrix, rows: number[], position: Map<number, number>) {
  rows.forEach((r, j) =>
    into.set(scores.data.subarray(j * scores.cols, (j + 1) * scores.cols), position.get(r)! * scores.cols)
  );
}

/** Tuned weighted F0.5 on `held` of the linear model alone and of its best blend with the network. */
function screenNetwork(
  network: ScoreMatrix,
  linearTuning: ScoreMatrix,
  held: number[],
  position: Map<number, number>,
  inputs: TaggerInputs,
): { linear: number; blend: number } {
  const lin = selectRows(linearTuning, held.map((r) => position.get(r)!));
  const y = selectRows(inputs.labels, held);
  const blend = Math.max(...BLEND_GRID.slice(1).map((w) => tunedF05(blendScores(network, lin, w), y)));
  return { linear: tunedF05(lin, y), blend };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const curvesOf = (h: FitResult["history"]): Curves => ({
  epoch: h.map((e) => e.epoch),
  train_loss: h.map((e) => e.trainLoss),
  val_loss: h.map((e) => e.valLoss ?? NaN),
  val_weighted_f05: h.map((e) => e.valScore ?? NaN),
});

/** Fits the tagger; see the module doc. */
export async function fitTagger(inputs: TaggerInputs, options: FitTaggerOptions): Promise<FittedTagger> {
  const step = options.onStep ?? (() => {});
  const seed = options.seed ?? TRAIN_DEFAULTS.seed,
    epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const labeled = [...options.rows.train, ...options.rows.dev];
  const method = options.protocol ?? (labeled.length <= CV_MAX_POSTS ? "cv" : "dev");
  const large = labeled.length > CV_MAX_POSTS;
  const foldEpochs = options.foldEpochs ?? (large ? "first" : "each");
  const cGrid = options.cGrid ?? (method === "cv" ? [1, 4, 16] : [4, 16]);
  const tuningRows = method === "cv" ? labeled : options.rows.dev;
  if (tuningRows.length === 0) {
    throw new RangeError(`Cannot tune the tagger: no ${method === "cv" ? "labeled" : "dev"} posts`);
  }
  const position = new Map(tuningRows.map((r, i) => [r, i]));
  const y = selectRows(inputs.labels, tuningRows);
  const K = y.cols, hasLinear = inputs.vectors !== null;
  const empty = () => new Float32Array(tuningRows.length * K);

  // The splits the choices are made on: k folds of train + dev, or train -> dev once.
  let folds: Folds | null = null;
  let splits: { fit: number[]; held: number[] }[];
  if (method === "cv") {
    folds = assignFolds(labeled.map((r) => inputs.items[r]), {
      k: options.folds ?? (large ? LARGE_FOLDS : 5),
      seed,
    });
    splits = Array.from({ length: folds.k }, (_, f) => {
      const { fit, held } = foldRows(folds!, f);
      return { fit: fit.map((i) => labeled[i]), held: held.map((i) => labeled[i]) };
    });
  } else splits = [{ fit: options.rows.train, held: options.rows.dev }];

  let linear: ProtocolRecord["linear"] = null, linearTuning: ScoreMatrix | null = null;
  let devLinear: LinearModel | null = null;
  if (hasLinear) {
    step(`linear model: C in ${cGrid.join(", ")} on ${method === "cv" ? `${splits.length} folds` : "dev"}`);
    const byC: Record<string, number> = {};
    let best = { c: cGrid[0], f: -1, scores: null as ScoreMatrix | null, model: null as LinearModel | null };
    for (const c of cGrid) {
      const data = empty();
      let model: LinearModel | null = null;
      for (const { fit, held } of splits) {
        model = linearFit(inputs, fit, c);
        place(data, linearScores(inputs, model, held), held, position);
      }
      const scores = { data, rows: tuningRows.length, cols: K };
      byC[String(c)] = tunedF05(scores, y);
      // under dev the model fitted on train is kept (the final one unless it is refitted)
      if (byC[String(c)] > best.f) {
        best = { c, f: byC[String(c)], scores, model: method === "dev" ? model : null };
      }
    }
    devLinear = best.model;
    linear = {
      C_grid: cGrid,
      C: best.c,
      solver: useDual(splits[0].fit.length, K) ? "dual" : "sgd",
      tuned_f05_by_C: byC,
    };
    linearTuning = best.scores;
  }

  step(`network: ${method === "cv" ? `${splits.length} folds` : "train, stopping on dev"}`);
  const networkTuning = empty(), bestEpochs: number[] = [];
  let curves: Curves | null = null, devFit: FitResult | null = null;
  let screened: FitResult | null = null, screen: { linear: number; blend: number } | null = null;
  for (const [i, { fit, held }] of splits.entries()) {
    // with foldEpochs "first", the folds after fold 0 train its best epoch count, with no held-out pass
    const fixed = method === "cv" && foldEpochs === "first" && i > 0;
    const result = await inputs.fitNetwork(fit, {
      validation: fixed ? null : held,
      epochs: fixed ? bestEpochs[0] : epochs,
      onEpoch: i === 0 ? options.onEpoch : undefined,
    });
    const heldScores = await inputs.predictNetwork(result.model, held);
    place(networkTuning, heldScores, held, position);
    bestEpochs.push(result.bestEpoch);
    if (i === 0) curves = curvesOf(result.history);
    if (method === "dev") devFit = result;
    else if (i === 0 && linearTuning && !large) {
      screen = screenNetwork(heldScores, linearTuning, held, position, inputs);
      if (screen.blend < screen.linear + SCREEN_MARGIN) {
        // The network adds nothing to the linear model on fold 0: the other folds and the refit would
        // cost minutes for a blend weight of 0. Its fold-0 fit is kept, with weight 0.
        screened = result;
        break;
      }
      result.model.network.dispose();
    } else result.model.network.dispose();
  }
  const netScores = { data: networkTuning, rows: tuningRows.length, cols: K };

  step("blend, calibration and decision rules");
  const byWeight: Record<string, number> = {};
  let w = 1, bestF = -1;
  for (const weight of screened ? [0] : hasLinear ? BLEND_GRID : [1]) {
    const f = tunedF05(blendScores(netScores, linearTuning, weight), y);
    byWeight[weight.toFixed(1)] = f;
    if (f > bestF + 1e-9) [w, bestF] = [weight, f]; // ties keep the lighter network share
  }
  const blended = blendScores(netScores, linearTuning, w);
  const calibrationBase = options.calibrationBase ?? "labeled";
  const baseRates = calibrationBase === "labeled"
    ? columnShares(selectRows(inputs.labels, labeled)).map((r) => Math.min(1 - 1e-4, Math.max(1e-4, r)))
    : undefined;
  const calibration = fitCalibration(blended, y, baseRates);
  const probabilities = calibrate(blended, calibration);
  const decisions = options.decisions ??
    (method === "dev" || large
      ? { smooth: DEV_DECISIONS.smooth, countAllowance: DEV_DECISIONS.countScale / Math.sqrt(K) }
      : { smooth: 0, countAllowance: 0 });
  const chosen = chooseRules(probabilities, y, { beta: 0.5, ...decisions });
  const ruleCounts: Record<string, number> = {};
  for (const r of chosen.rules) {
    const name = r.rule === "top-k" ? `top-${r.k}` : r.rule;
    ruleCounts[name] = (ruleCounts[name] ?? 0) + 1;
  }

  let network: FusionModel, finalLinear: LinearModel | null = null, refitEpochs: number | null = null;
  let bestEpoch: number, epochsRun: number;
  if (screened) {
    finalLinear = linearFit(inputs, labeled, linear!.C);
    network = screened.model;
    [bestEpoch, epochsRun] = [screened.bestEpoch, screened.history.length];
  } else if (method === "cv") {
    refitEpochs = Math.max(1, foldEpochs === "first" ? bestEpochs[0] : median(bestEpochs));
    step(`refit on ${labeled.length} posts (C ${linear?.C ?? "-"}, ${refitEpochs} epochs)`);
    if (hasLinear) finalLinear = linearFit(inputs, labeled, linear!.C);
    const refit = await inputs.fitNetwork(labeled, { validation: null, epochs: refitEpochs });
    network = refit.model;
    [bestEpoch, epochsRun] = [refit.bestEpoch, refit.history.length];
  } else {
    const asked = options.devRefit ?? DEV_REFIT, linearRefits = hasLinear && useDual(labeled.length, K);
    // "paired": both parts or neither, as the blend, calibration and rules were chosen for the pair
    const refit = asked !== "paired" ? asked : hasLinear && !linearRefits ? "none" : "both";
    finalLinear = devLinear;
    network = devFit!.model;
    [bestEpoch, epochsRun] = [devFit!.bestEpoch, devFit!.history.length];
    if (refit !== "none") {
      refitEpochs = refit === "both" ? bestEpoch : null;
      const epochNote = refitEpochs ? `, ${refitEpochs} epochs` : "";
      step(`refit on ${labeled.length} posts (C ${linear?.C ?? "-"}${epochNote})`);
      // SGD's model is not fitted again: its last iterate follows the last rows it saw, and the blend,
      // calibration and rules chosen for one fit do not carry to another (module doc)
      if (linearRefits) finalLinear = linearFit(inputs, labeled, linear!.C);
      if (refit === "both") {
        network.network.dispose();
        network = (await inputs.fitNetwork(labeled, { validation: null, epochs: bestEpoch })).model;
      }
    }
  }
  const tuningPred = applyRules(probabilities, chosen.rules);
  return {
    network,
    parts: {
      meta: {
        format: "tagger",
        version: 1,
        blend: { network: finalLinear ? w : 1 },
        calibration,
        rules: chosen.rules,
        linear: finalLinear ? { dim: inputs.vectorDim, labels: K, columns: 0, C: linear!.C } : null,
      },
      linear: finalLinear,
    },
    protocol: {
      method,
      folds: folds?.k ?? null,
      fold_method: folds?.method ?? null,
      near_duplicates: folds?.duplicates ?? 0,
      seed,
      tuning_posts: tuningRows.length,
      linear,
      network: {
        best_epochs: bestEpochs,
        refit_epochs: refitEpochs,
        screened_out: screened !== null,
        fold0: screen,
      },
      blend: { network: w, tuned_f05_by_weight: byWeight },
      rules: ruleCounts,
      decisions: { smooth: decisions.smooth, count_allowance: decisions.countAllowance },
      calibration_base: calibrationBase,
      tuning_weighted_f05: weightedFBeta(y, tuningPred, { beta: 0.5 }),
    },
    tuning: { probabilities, y },
    brier: brierPerTag(probabilities, y),
    curves: curves!,
    bestEpoch,
    epochsRun,
  };
}
