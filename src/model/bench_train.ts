/**
 * Training benchmark: seconds per epoch and in total on synthetic cached posts with realistic input sizes
 * (text 512, image 1280, video 2x1280+5, metadata 40, 28 tags, hidden 512 -> 256). Returns figures.
 */
import process from "node:process";
import { selectBackend } from "./backend.ts";
import type { BackendRequest } from "./backend.ts";
import type { FusionConfigInput } from "./config.ts";
import { fit } from "./fit.ts";
import { predict } from "./predict.ts";
import { rocAuc, sliceData, syntheticData } from "./_synthetic.ts";

/** Options of `benchTrain`. */
export interface BenchTrainOptions {
  /** Posts generated; 10% are held out for validation. @default 50000 */
  posts?: number;
  /** Epochs to run (early stopping off: patience = epochs). @default 8 */
  epochs?: number;
  /** @default 256 */
  batchSize?: number;
  /** @default "wasm" */
  backend?: BackendRequest;
  /** Dense text width. @default 512 */
  textSize?: number;
  /** @default 1280 */
  imageSize?: number;
  /** @default 2565 (mean and max of frame embeddings, plus 5 numbers) */
  videoSize?: number;
  /** @default 40 */
  metadataSize?: number;
  /** @default 28 */
  numTags?: number;
  /** Network options over the defaults. @default {} */
  config?: FusionConfigInput;
  /** Replace dense text by sparse hashed n-grams (ids + weights, this many per post). @default 0 (dense) */
  sparseTokens?: number;
  /** Hash buckets of the sparse text embedding. @default 65536 */
  sparseBuckets?: number;
  /** Gather batches on the device. @default fit's default for the backend */
  dataOnDevice?: boolean;
  /** @default 1 */
  seed?: number;
}

/** Runs the benchmark; figures are seconds unless named otherwise. */
export async function benchTrain(options: BenchTrainOptions = {}): Promise<Record<string, number | string>> {
  const {
    posts = 50_000,
    epochs = 8,
    batchSize = 256,
    backend = "wasm",
    textSize = 512,
    imageSize = 1280,
    videoSize = 2565,
    metadataSize = 40,
    numTags = 28,
    config = {},
    sparseTokens = 0,
    sparseBuckets = 65_536,
    dataOnDevice,
    seed = 1,
  } = options;
  const info = await selectBackend({ backend });
  const t0 = performance.now();
  const sizes = { text: textSize, image: imageSize, video: videoSize, metadata: metadataSize };
  const sources = ["text", "image", "video", "metadata"] as const;
  const all = syntheticData(posts, {
    sizes,
    tagSources: Array.from({ length: numTags }, (_, k) => sources[k % 4]),
    positiveRates: [0.02, 0.05, 0.1, 0.3],
    missingRate: 0.2,
    seed,
  });
  let sparseConfig: FusionConfigInput = {};
  if (sparseTokens > 0) {
    // Hashed ids derived from the text vector's sign pattern, so the sparse input carries the text signal.
    const ids = new Int32Array(posts * sparseTokens);
    const weights = new Float32Array(posts * sparseTokens);
    for (let i = 0; i < posts; i++) {
      for (let j = 0; j < sparseTokens; j++) {
        const v = all.text![i * textSize + (j % textSize)];
        ids[i * sparseTokens + j] = ((j * 2 + (v > 0 ? 1 : 0)) * 2654435761 >>> 0) % sparseBuckets;
        weights[i * sparseTokens + j] = Math.abs(v) / Math.sqrt(sparseTokens);
      }
    }
    all.textIds = ids;
    all.textWeights = weights;
    all.text = undefined;
    sparseConfig = {
      inputSizes: { text: 0 },
      sparseText: { buckets: sparseBuckets, dim: 64, maxTokens: sparseTokens },
    };
  }
  const nTrain = Math.round(posts * 0.9);
  const train = sliceData(all, 0, nTrain);
  const validation = sliceData(all, nTrain, posts);
  const dataSeconds = (performance.now() - t0) / 1000;

  // CPU seconds of this process per epoch: robust to other processes sharing the cores (wasm is single-threaded).
  const cpuEpochSeconds: number[] = [];
  let cpuMark = process.cpuUsage().user + process.cpuUsage().system;
  const result = await fit(train, {
    config: { ...sparseConfig, ...config },
    validation,
    epochs,
    patience: epochs,
    batchSize,
    seed,
    dataOnDevice,
    onEpoch: () => {
      const now = process.cpuUsage();
      cpuEpochSeconds.push((now.user + now.system - cpuMark) / 1e6);
      cpuMark = now.user + now.system;
    },
  });
  const epochSeconds = result.history.map((h) => h.seconds);
  const t1 = performance.now();
  const probs = await predict(result.model, validation);
  const predictSeconds = (performance.now() - t1) / 1000;
  let aucSum = 0;
  let aucCount = 0;
  for (let k = 0; k < numTags; k++) {
    const auc = rocAuc(
      Array.from({ length: validation.count }, (_, i) => probs[i * numTags + k]),
      Array.from({ length: validation.count }, (_, i) => validation.labels![i * numTags + k]),
    );
    if (!Number.isNaN(auc)) {
      aucSum += auc;
      aucCount++;
    }
  }
  result.model.network.dispose();
  return {
    backend: info.name,
    backendDetail: JSON.stringify(info),
    posts,
    trainPosts: nTrain,
    validationPosts: posts - nTrain,
    textInput: sparseTokens > 0
      ? `sparse ${sparseTokens} ids, ${sparseBuckets} buckets x 64`
      : `dense ${textSize}`,
    inputWidth: (sparseTokens > 0 ? 0 : textSize) + imageSize + videoSize + metadataSize,
    numTags,
    batchSize,
    parameters: result.model.network.countParams(),
    epochs: result.history.length,
    secondsPerEpochMean: epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length,
    secondsPerEpochBest: Math.min(...epochSeconds),
    cpuSecondsPerEpochMean: cpuEpochSeconds.reduce((a, b) => a + b, 0) / cpuEpochSeconds.length,
    trainSeconds: result.seconds,
    dataGenerationSeconds: dataSeconds,
    predictSecondsPer1000: (predictSeconds / validation.count) * 1000,
    bestValLoss: result.bestValLoss ?? NaN,
    meanValAuc: aucSum / aucCount,
  };
}
