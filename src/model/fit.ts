/**
 * Training loop: seeded mini-batches, modality dropout on the mask, Adam on the positive-weighted BCE,
 * early stopping on the validation loss with the best weights restored.
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, shuffleInPlace } from "./_rng.ts";
import {
  type FusionConfig,
  type FusionConfigInput,
  hasModality,
  MODALITIES,
  resolveFusionConfig,
} from "./config.ts";
import { type Batcher, checkFusionData, createBatcher, type FusionData, maskRows } from "./data.ts";
import { type PositiveWeighting, positiveWeights, weightedBceFromLogits } from "./loss.ts";
import { dropModalities } from "./modality_dropout.ts";
import { buildFusionNetwork, type FusionModel, logitsModel } from "./network.ts";

/** Figures of one epoch, passed to `onEpoch` and kept in the history. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean weighted BCE over the training batches (with dropout and modality dropout). */
  trainLoss: number;
  /** Mean weighted BCE on the validation data, or null without validation data. */
  valLoss: number | null;
  /** Seconds this epoch took, validation included. */
  seconds: number;
  /** True when this epoch's weights are the best so far. */
  best: boolean;
}

/** Options of `fit`. */
export interface FitOptions {
  /** Network configuration; inputSizes and numTags default to what the data holds. @default {} */
  config?: FusionConfigInput;
  /** Seed for weight init, dropout, shuffling and modality dropout. @default config.seed ?? 42 */
  seed?: number;
  /** Validation data for early stopping; without it all epochs run and the last weights are kept. */
  validation?: FusionData;
  /** Maximum number of epochs. @default 20 */
  epochs?: number;
  /** Posts per step. @default 256 */
  batchSize?: number;
  /** Adam learning rate. @default 0.001 */
  learningRate?: number;
  /** Epochs without a better validation loss before stopping. @default 3 */
  patience?: number;
  /** Probability of hiding each present modality of a training sample. @default 0.15 */
  modalityDropout?: number;
  /** Positive weighting of the loss per tag. @default "inverse-sqrt" */
  positiveWeighting?: PositiveWeighting;
  /** Cap of a positive weight. @default 20 */
  positiveWeightCap?: number;
  /** Upload the data once and gather batches on the device. @default true on webgpu/tensorflow, else false */
  dataOnDevice?: boolean;
  /** Called after each epoch. */
  onEpoch?: (stats: EpochStats) => void | Promise<void>;
}

/** What `fit` returns. */
export interface FitResult {
  model: FusionModel;
  history: EpochStats[];
  /** Epoch whose weights the model holds. */
  bestEpoch: number;
  /** Validation loss at bestEpoch (null without validation data). */
  bestValLoss: number | null;
  stoppedEarly: boolean;
  /** The tfjs backend that trained it. */
  backend: string;
  positiveWeights: Float32Array;
  seconds: number;
}

function inferConfig(data: FusionData, input: FusionConfigInput, seed: number | undefined): FusionConfig {
  const n = data.count;
  if (!(n > 0)) throw new RangeError(`Cannot train fusion model: data has "${n}" posts`);
  if (!data.labels) throw new RangeError("Cannot train fusion model: data has no labels");
  const inputSizes = { ...input.inputSizes };
  for (const m of MODALITIES) {
    if (inputSizes[m] !== undefined) continue;
    if (m === "text" && input.sparseText) inputSizes.text = 0;
    else inputSizes[m] = data[m] ? data[m]!.length / n : 0;
  }
  return resolveFusionConfig({
    ...input,
    inputSizes,
    numTags: input.numTags ?? data.labels.length / n,
    seed: seed ?? input.seed ?? 42,
  });
}

async function meanLoss(
  logits: tf.LayersModel,
  data: FusionData,
  batcher: Batcher,
  posWeight: tf.Tensor1D,
  batchSize: number,
): Promise<number> {
  let sum: tf.Tensor = tf.scalar(0);
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, data.count - start)).map((_, j) => start + j);
    const next = tf.tidy(() => {
      const out = logits.apply(batcher.inputs(idx, maskRows(data, idx)), { training: false }) as tf.Tensor;
      return tf.add(sum, tf.mul(weightedBceFromLogits(out, batcher.labels(idx), posWeight), idx.length));
    });
    sum.dispose();
    sum = next;
  }
  const value = (await sum.data())[0] / data.count;
  sum.dispose();
  return value;
}

/** Trains a fresh fusion network on `data`. */
export async function fit(data: FusionData, options: FitOptions = {}): Promise<FitResult> {
  const {
    validation,
    epochs = 20,
    batchSize = 256,
    learningRate = 1e-3,
    patience = 3,
    modalityDropout = 0.15,
    positiveWeighting = "inverse-sqrt",
    positiveWeightCap = 20,
    onEpoch,
  } = options;
  const backend = tf.getBackend();
  const dataOnDevice = options.dataOnDevice ?? (backend === "webgpu" || backend === "tensorflow");
  const config = inferConfig(data, options.config ?? {}, options.seed);
  checkFusionData(data, config, true);
  if (validation) checkFusionData(validation, config, true);
  const started = performance.now();

  const network = buildFusionNetwork(config);
  const logitsNet = logitsModel(network);
  const variables = network.trainableWeights.map((w) => w.read() as tf.Variable);
  const pw = positiveWeights(data.labels!, config.numTags, {
    weighting: positiveWeighting,
    cap: positiveWeightCap,
  });
  const posWeight = tf.tensor1d(pw);
  const optimizer = tf.train.adam(learningRate);
  const train = createBatcher(data, config, network.inputNames, dataOnDevice);
  const val = validation ? createBatcher(validation, config, network.inputNames, dataOnDevice) : null;
  const shuffleRng = createRng(config.seed);
  const dropRng = createRng(config.seed ^ 0x5bd1e995);
  const enabled = MODALITIES.map((m) => hasModality(config, m));
  const order = new Int32Array(data.count).map((_, i) => i);

  const history: EpochStats[] = [];
  let best: tf.Tensor[] | null = null;
  let bestEpoch = 0;
  let bestValLoss: number | null = null;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      shuffleInPlace(order, shuffleRng);
      let sum: tf.Tensor = tf.scalar(0);
      for (let start = 0; start < data.count; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const mask = dropModalities(maskRows(data, idx), dropRng, { rate: modalityDropout, enabled });
        const cost = optimizer.minimize(
          () => {
            const out = logitsNet.apply(train.inputs(idx, mask), { training: true }) as tf.Tensor;
            return weightedBceFromLogits(out, train.labels(idx), posWeight);
          },
          true,
          variables,
        )!;
        const next = tf.tidy(() => tf.add(sum, tf.mul(cost, idx.length)));
        cost.dispose();
        sum.dispose();
        sum = next;
      }
      const trainLoss = (await sum.data())[0] / data.count;
      sum.dispose();
      const valLoss = val
        ? await meanLoss(logitsNet, validation!, val, posWeight, Math.max(batchSize, 1024))
        : null;
      const isBest = valLoss === null || bestValLoss === null || valLoss < bestValLoss;
      if (isBest) {
        best?.forEach((t) => t.dispose());
        best = valLoss === null ? null : network.getWeights().map((w) => w.clone());
        bestEpoch = epoch;
        bestValLoss = valLoss;
      }
      const stats = { epoch, trainLoss, valLoss, seconds: (performance.now() - t0) / 1000, best: isBest };
      history.push(stats);
      await onEpoch?.(stats);
      if (valLoss !== null && epoch - bestEpoch >= patience) {
        stoppedEarly = epoch < epochs;
        break;
      }
    }
    if (best) network.setWeights(best);
  } finally {
    best?.forEach((t) => t.dispose());
    train.dispose();
    val?.dispose();
    optimizer.dispose();
    posWeight.dispose();
  }
  return {
    model: { network, config },
    history,
    bestEpoch,
    bestValLoss,
    stoppedEarly,
    backend,
    positiveWeights: pw,
    seconds: (performance.now() - started) / 1000,
  };
}
