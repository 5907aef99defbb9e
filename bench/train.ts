/**
 * Training benchmark: seconds per epoch and in total on synthetic cached posts with the product's input
 * sizes and default network: sparse text (hashed n-gram ids into 2^18 buckets, up to 256 per post, 180 on
 * average as in GoEmotions; a deep bag and the wide linear term), image 1280, video 2x1280+5, metadata 40,
 * 28 tags, modalities present as often as in the sample corpus (text 93%, image 67%, video 13%); trained as
 * `deno task train` trains (early stopping, n-gram dropout 0.5), except that the validation loss decides
 * when to stop (there are no thresholds to tune here). `text: "dense"` measures a dense 512-wide text
 * vector instead. Returns figures.
 */
import process from "node:process";
import { type BackendRequest, fit, type FusionConfigInput, predict, selectBackend } from "@/model/mod.ts";
import { rocAuc, sliceData, syntheticData } from "../tests/support/synthetic_fusion.ts";
import { createRng } from "@/core/mod.ts";

/** Options of `benchTrain`. */
export interface BenchTrainOptions {
  /** Posts generated; 10% are held out for validation. @default 50000 */
  posts?: number;
  /** Maximum epochs. @default 30 (as deno task train) */
  epochs?: number;
  /** Epochs without a better validation loss before stopping. @default fit's default */
  patience?: number;
  /** @default 256 */
  batchSize?: number;
  /** @default "wasm" */
  backend?: BackendRequest;
  /** Text input: the product's sparse n-gram bag, or a dense vector of `textSize`. @default "sparse" */
  text?: "sparse" | "dense";
  /** Width of the text signal (the dense vector; the sparse ids are derived from it). @default 512 */
  textSize?: number;
  /** @default 1280 */
  imageSize?: number;
  /** @default 2565 (mean and max of frame embeddings, plus 5 numbers) */
  videoSize?: number;
  /** @default 40 */
  metadataSize?: number;
  /** @default 28 */
  numTags?: number;
  /** Share of posts with each modality. @default the sample corpus's: text 0.93, image 0.67, video 0.13, metadata 1 */
  presentRates?: Partial<Record<"text" | "image" | "video" | "metadata", number>>;
  /** Network options over the defaults. @default {} */
  config?: FusionConfigInput;
  /** Sparse text: id slots per post. @default 256 */
  sparseTokens?: number;
  /** Sparse text: hash buckets of the embedding. @default 262144 */
  sparseBuckets?: number;
  /** Sparse text: embedding width. @default 64 */
  sparseDim?: number;
  /** Gather batches on the device. @default fit's default for the backend */
  dataOnDevice?: boolean;
  /** @default 1 */
  seed?: number;
}

/** Runs the benchmark; figures are seconds unless named otherwise. */
export async function benchTrain(options: BenchTrainOptions = {}): Promise<Record<string, number | string>> {
  const {
    posts = 50_000,
    epochs = 30,
    patience,
    batchSize = 256,
    backend = "wasm",
    text = "sparse",
    textSize = 512,
    imageSize = 1280,
    videoSize = 2565,
    metadataSize = 40,
    numTags = 28,
    presentRates = { text: 0.93, image: 0.67, video: 0.13, metadata: 1 },
    config = {},
    sparseTokens = 256,
    sparseBuckets = 1 << 18,
    sparseDim = 64,
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
    presentRates,
    seed,
  });
  let sparseConfig: FusionConfigInput = {};
  if (text === "sparse") {
    // Like real posts: 100-256 n-grams (mean ~180), half carrying the text signal (an id per position and
    // sign of the text vector), half noise n-grams of Zipf-like frequency (log-uniform rank) hashed over all
    // buckets; TF-IDF-like weights of unit norm; none when the post has no text.
    const rng = createRng(seed ^ 0x2545f491);
    const ids = new Int32Array(posts * sparseTokens);
    const weights = new Float32Array(posts * sparseTokens);
    for (let i = 0; i < posts; i++) {
      if (!all.mask[i * 4]) continue;
      const n = Math.min(sparseTokens, 100 + Math.floor(rng() * 157));
      let norm = 0;
      for (let j = 0; j < n; j++) {
        const o = i * sparseTokens + j;
        const v = all.text![i * textSize + (j % textSize)];
        ids[o] = j % 2 === 0
          ? ((j * 2 + (v > 0 ? 1 : 0)) * 2654435761 >>> 0) % sparseBuckets
          : (Math.floor(Math.exp(rng() * Math.log(1e6))) * 2246822519 >>> 0) % sparseBuckets;
        weights[o] = j % 2 === 0 ? Math.abs(v) : 0.5 * rng();
        norm += weights[o] * weights[o];
      }
      for (let j = 0; j < n; j++) weights[i * sparseTokens + j] /= Math.sqrt(norm) || 1;
    }
    all.textIds = ids;
    all.textWeights = weights;
    all.text = undefined;
    sparseConfig = {
      inputSizes: { text: 0 },
      sparseText: { buckets: sparseBuckets, dim: sparseDim, maxTokens: sparseTokens, wide: true },
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
    patience,
    batchSize,
    seed,
    dataOnDevice,
    ngramDropout: text === "sparse" ? 0.5 : 0,
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
    textInput: text === "sparse"
      ? `sparse ${sparseTokens} ids, ${sparseBuckets} buckets x ${sparseDim} + wide term`
      : `dense ${textSize}`,
    inputWidth: (text === "sparse" ? 0 : textSize) + imageSize + videoSize + metadataSize,
    numTags,
    batchSize,
    parameters: result.model.network.countParams(),
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    secondsPerEpochMean: epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length,
    secondsPerEpochBest: Math.min(...epochSeconds),
    cpuSecondsPerEpochMean: cpuEpochSeconds.reduce((a, b) => a + b, 0) / cpuEpochSeconds.length,
    trainSeconds: result.seconds,
    cpuTrainSeconds: cpuEpochSeconds.reduce((a, b) => a + b, 0),
    dataGenerationSeconds: dataSeconds,
    predictSecondsPer1000: (predictSeconds / validation.count) * 1000,
    bestValLoss: result.bestValLoss ?? NaN,
    meanValAuc: aucSum / aucCount,
  };
}

/** `deno task bench train`: seconds per epoch and total on 50,000 cached posts. */
export async function run(): Promise<Record<string, unknown>> {
  return await benchTrain({ posts: 50_000 });
}
