/**
 * Training loop: seeded mini-batches, modality dropout on the mask, Adam on the positive-weighted BCE,
 * early stopping on the validation loss with the best weights restored.
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, MODALITIES, shuffleInPlace } from "@/core/mod.ts";
import { type FusionConfig, type FusionConfigInput, hasModality, resolveFusionConfig } from "./config.ts";
import { type Batcher, checkFusionData, createBatcher, type FusionData, maskRows } from "./data.ts";
import { type PositiveWeighting, positiveWeights, weightedBceFromLogits } from "./loss.ts";
import { dropModalities } from "./modality_dropout.ts";
import { BAG_LAYERS, buildFusionNetwork, type FusionModel, hostInputsModel } from "./network.ts";
import { bagInputs, bagTensors, type HostBag, textBagRows } from "./host_bags.ts";
import { BagPipeline } from "./bag_pipeline.ts";
import type { BagRows, SparseOptimizerOptions } from "./sparse_bag.ts";

/** Figures of one epoch, passed to `onEpoch` and kept in the history. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean weighted BCE over the training batches (with dropout and modality dropout). */
  trainLoss: number;
  /** Mean weighted BCE on the validation data, or null without validation data. */
  valLoss: number | null;
  /** `validationScore` of this epoch's predictions, or null without it. */
  valScore: number | null;
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
  /**
   * Scores the validation probabilities (count x numTags), higher is better; when given, early stopping and
   * the weights kept follow it instead of the validation loss. @default none: the validation loss decides
   */
  validationScore?: (probabilities: Float32Array) => number;
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
  /** Probability of hiding each n-gram of a training post from the deep text bag (sparse text). @default 0 */
  ngramDropout?: number;
  /** Optimizer of the text embedding bag (trained on the host, rows of a batch only). @default lazy Adam at learningRate */
  bagOptimizer?: SparseOptimizerOptions;
  /** Optimizer of the wide (linear) text term. @default AdaGrad, learning rate 0.05 */
  wideOptimizer?: SparseOptimizerOptions;
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
  /** `validationScore` at bestEpoch (null without it). */
  bestValScore: number | null;
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

/** Mean loss on `data` and, with `probabilities`, its count x numTags probabilities. */
async function validate(
  logits: tf.LayersModel,
  data: FusionData,
  batcher: Batcher,
  options: { bags: HostBag[]; posWeight: tf.Tensor1D; batchSize: number; probabilities: boolean },
): Promise<{ loss: number; probabilities: Float32Array | null }> {
  const { bags, posWeight, batchSize } = options;
  const k = posWeight.shape[0];
  const probabilities = options.probabilities ? new Float32Array(data.count * k) : null;
  let sum: tf.Tensor = tf.scalar(0);
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, data.count - start)).map((_, j) => start + j);
    const given = bagTensors(bags, textBagRows(data), idx);
    const [next, probs] = tf.tidy(() => {
      const inputs = batcher.inputs(idx, maskRows(data, idx), given);
      const out = logits.apply(inputs, { training: false }) as tf.Tensor;
      const loss = weightedBceFromLogits(out, batcher.labels(idx), posWeight);
      return [tf.add(sum, tf.mul(loss, idx.length)), probabilities ? tf.sigmoid(out) : null];
    });
    tf.dispose(given.map(([, t]) => t));
    if (probs) {
      probabilities!.set((await probs.data()) as Float32Array, start * k);
      probs.dispose();
    }
    sum.dispose();
    sum = next;
  }
  const loss = (await sum.data())[0] / data.count;
  sum.dispose();
  return { loss, probabilities };
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
    ngramDropout = 0,
    validationScore,
    onEpoch,
  } = options;
  const backend = tf.getBackend();
  const dataOnDevice = options.dataOnDevice ?? (backend === "webgpu" || backend === "tensorflow");
  const config = inferConfig(data, options.config ?? {}, options.seed);
  checkFusionData(data, config, true);
  if (validation) checkFusionData(validation, config, true);
  const started = performance.now();

  const network = buildFusionNetwork(config);
  const bagNames = BAG_LAYERS.filter((name) => network.layers.some((l) => l.name === name));
  // Embedding bags are computed and trained on the host, and image and video rows are packed: see hostInputsModel.
  const trainNet = hostInputsModel(network, config);
  const trainRows = textBagRows(data);
  if (bagNames.length > 0 && !trainRows) {
    throw new RangeError("Cannot train embedding bags: the data has no text ids and weights");
  }
  // The bags train in a worker on the second core while tfjs trains the rest (see bag_pipeline.ts).
  const pipeline = bagNames.length === 0 ? null : new BagPipeline(
    bagNames.map((name) => {
      const table = network.getLayer(name).getWeights()[0];
      return {
        name,
        table: table.dataSync() as Float32Array,
        rows: table.shape[0],
        options: name === "text_bag"
          ? { learningRate, ...options.bagOptimizer }
          : { kind: "adagrad" as const, learningRate: 0.05, ...options.wideOptimizer },
        // n-gram dropout regularizes the deep bag; the wide (linear) term sees every n-gram.
        dropout: name === "text_bag" && ngramDropout > 0,
      };
    }),
    trainRows!,
  );
  const hostBags: HostBag[] = pipeline?.tables ?? [];
  const syncBags = () => {
    for (const { name, table, dim } of hostBags) {
      const t = tf.tensor2d(table, [table.length / dim, dim]);
      network.getLayer(name).setWeights([t]);
      t.dispose();
    }
  };
  const bagVariables = new Set(bagNames.map((name) => network.getLayer(name).trainableWeights[0].read().id));
  const variables = network.trainableWeights.map((w) => w.read() as tf.Variable).filter((v) =>
    !bagVariables.has(v.id)
  );
  const pw = positiveWeights(data.labels!, config.numTags, {
    weighting: positiveWeighting,
    cap: positiveWeightCap,
  });
  const posWeight = tf.tensor1d(pw);
  const optimizer = tf.train.adam(learningRate);
  const train = createBatcher(data, config, trainNet.inputNames, dataOnDevice);
  const val = validation ? createBatcher(validation, config, trainNet.inputNames, dataOnDevice) : null;
  const shuffleRng = createRng(config.seed);
  const dropRng = createRng(config.seed ^ 0x5bd1e995);
  const enabled = MODALITIES.map((m) => hasModality(config, m));
  const order = new Int32Array(data.count).map((_, i) => i);
  const ngramRng = createRng(config.seed ^ 0x68e31da4);
  /** The deep bag's rows of batch `idx` with each n-gram dropped with probability ngramDropout, kept ones scaled up. */
  const droppedRows = (idx: Int32Array): BagRows | null => {
    if (!pipeline || ngramDropout <= 0) return null;
    const rows = trainRows!, w = rows.width, keep = 1 - ngramDropout;
    const ids = new Int32Array(idx.length * w), weights = new Float32Array(idx.length * w);
    for (let j = 0; j < idx.length; j++) {
      ids.set(rows.ids.subarray(idx[j] * w, (idx[j] + 1) * w), j * w);
      for (let l = 0; l < w; l++) {
        const v = rows.weights[idx[j] * w + l];
        if (v !== 0 && ngramRng() < keep) weights[j * w + l] = v / keep;
      }
    }
    return { ids, weights, width: w };
  };

  /** One optimizer step on rows `idx` (batch `step`); returns the batch loss (a scalar to dispose). */
  const trainStep = async (step: number, idx: Int32Array, mask: Uint8Array): Promise<tf.Scalar> => {
    if (!pipeline) {
      return optimizer.minimize(
        () => {
          const out = trainNet.apply(train.inputs(idx, mask), { training: true }) as tf.Tensor;
          return weightedBceFromLogits(out, train.labels(idx), posWeight);
        },
        true,
        variables,
      )!;
    }
    const outs = await pipeline.result(step);
    if (step + 1 < stepsEnd) askBags(step + 1); // the worker sums the next batch while tfjs trains this one
    const given = bagInputs(hostBags, outs, idx.length);
    const bagOut = given.map(([, t]) => t);
    const inputs = train.inputs(idx, mask, given);
    const labels = train.labels(idx);
    const { value, grads } = tf.valueAndGrads((..._args: tf.Tensor[]) => {
      const out = trainNet.apply(inputs, { training: true }) as tf.Tensor;
      return weightedBceFromLogits(out, labels, posWeight);
    })([...bagOut, ...variables]);
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[hostBags.length + i] })));
    const dOuts = await Promise.all(
      grads.slice(0, hostBags.length).map((g) => g.data() as Promise<Float32Array>),
    );
    pipeline.update(step, dOuts);
    tf.dispose([...grads, ...inputs, labels]);
    return value as tf.Scalar;
  };
  // Batches of the epoch in progress, numbered across epochs; the worker is asked one batch ahead.
  let batches: Int32Array[] = [];
  let stepsStart = 0, stepsEnd = 0;
  const askBags = (step: number) => {
    const idx = batches[step - stepsStart];
    pipeline!.forward(step, idx, droppedRows(idx));
  };

  const history: EpochStats[] = [];
  let best: tf.Tensor[] | null = null;
  let bestEpoch = 0;
  let bestValLoss: number | null = null;
  let bestValScore: number | null = null;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      shuffleInPlace(order, shuffleRng);
      batches = [];
      for (let start = 0; start < data.count; start += batchSize) {
        batches.push(order.slice(start, start + batchSize));
      }
      stepsStart = stepsEnd;
      stepsEnd += batches.length;
      if (pipeline) askBags(stepsStart);
      let sum: tf.Tensor = tf.scalar(0);
      for (let b = 0; b < batches.length; b++) {
        const idx = batches[b];
        const mask = dropModalities(maskRows(data, idx), dropRng, { rate: modalityDropout, enabled });
        const cost = await trainStep(stepsStart + b, idx, mask);
        const next = tf.tidy(() => tf.add(sum, tf.mul(cost, idx.length)));
        cost.dispose();
        sum.dispose();
        sum = next;
      }
      const trainLoss = (await sum.data())[0] / data.count;
      sum.dispose();
      await pipeline?.flush(); // the tables are read next (validation, best weights)
      const checked = val
        ? await validate(trainNet, validation!, val, {
          bags: hostBags,
          posWeight,
          batchSize: Math.max(batchSize, 1024),
          probabilities: validationScore !== undefined,
        })
        : null;
      const valLoss = checked?.loss ?? null;
      const valScore = checked?.probabilities ? validationScore!(checked.probabilities) : null;
      const isBest = checked === null || bestEpoch === 0 ||
        (valScore !== null ? valScore > bestValScore! : valLoss! < bestValLoss!);
      if (isBest) {
        best?.forEach((t) => t.dispose());
        syncBags();
        best = checked === null ? null : network.getWeights().map((w) => w.clone());
        bestEpoch = epoch;
        bestValLoss = valLoss;
        bestValScore = valScore;
      }
      const stats = {
        epoch,
        trainLoss,
        valLoss,
        valScore,
        seconds: (performance.now() - t0) / 1000,
        best: isBest,
      };
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
    pipeline?.close();
  }
  return {
    model: { network, config },
    history,
    bestEpoch,
    bestValLoss,
    bestValScore,
    stoppedEarly,
    backend,
    positiveWeights: pw,
    seconds: (performance.now() - started) / 1000,
  };
}
