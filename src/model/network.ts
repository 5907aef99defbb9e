/**
 * The fusion network: one input per modality plus a presence mask; a projection per modality gated by its
 * presence bit; the mask concatenated; dense layers; K sigmoid outputs.
 */
import * as tf from "@tensorflow/tfjs";
import { type FusionConfig, hasModality, MODALITIES } from "./config.ts";
import { EmbeddingBag, FusionDense, PresenceGate, SeededDropout } from "./layers.ts";

/** Name of the presence-mask input; its columns follow `MODALITIES`. */
export const MASK_INPUT = "mask";
/** Name of the layer producing logits (before the sigmoid). */
export const LOGITS_LAYER = "logits";

/** A trained or fresh fusion network with its configuration. */
export interface FusionModel {
  /** Outputs probabilities [B, numTags]. */
  network: tf.LayersModel;
  config: FusionConfig;
}

/** Builds a fresh network with seeded weights. */
export function buildFusionNetwork(config: FusionConfig): tf.LayersModel {
  let seedCounter = 0;
  const nextSeed = () => (config.seed * 7919 + 104729 * ++seedCounter) % 2_147_483_647;
  const inputs: tf.SymbolicTensor[] = [];
  const mask = tf.input({ shape: [MODALITIES.length], name: MASK_INPUT });
  const branches: tf.SymbolicTensor[] = [];

  const dense = (x: tf.SymbolicTensor, units: number, name: string, inputGrad: boolean) =>
    new FusionDense({ units, activation: config.activation, seed: nextSeed(), inputGrad, name }).apply(
      x,
    ) as tf.SymbolicTensor;
  const dropout = (x: tf.SymbolicTensor, name: string) =>
    config.dropout > 0
      ? new SeededDropout({ rate: config.dropout, seed: nextSeed(), name }).apply(x) as tf.SymbolicTensor
      : x;

  MODALITIES.forEach((m, index) => {
    if (!hasModality(config, m)) return;
    let h: tf.SymbolicTensor;
    if (m === "text" && config.sparseText) {
      const { buckets, dim, maxTokens } = config.sparseText;
      const ids = tf.input({ shape: [maxTokens], dtype: "int32", name: "text_ids" });
      const weights = tf.input({ shape: [maxTokens], name: "text_weights" });
      inputs.push(ids, weights);
      const bag = new EmbeddingBag({ buckets, dim, seed: nextSeed(), name: "text_bag" }).apply([
        ids,
        weights,
      ]) as tf.SymbolicTensor;
      h = dropout(dense(bag, config.projectionSize, "text_proj", true), "text_dropout");
    } else {
      const x = tf.input({ shape: [config.inputSizes[m]], name: m });
      inputs.push(x);
      if (m === "metadata") {
        const [h1, h2] = config.metadataHidden;
        h = dense(dense(x, h1, "metadata_dense1", false), h2, "metadata_dense2", true);
      } else {
        h = dropout(dense(x, config.projectionSize, `${m}_proj`, false), `${m}_dropout`);
      }
    }
    branches.push(new PresenceGate({ index, name: `${m}_gate` }).apply([h, mask]) as tf.SymbolicTensor);
  });
  inputs.push(mask);

  let h = tf.layers.concatenate({ name: "concat" }).apply([...branches, mask]) as tf.SymbolicTensor;
  config.hidden.forEach((units, i) => {
    h = dropout(dense(h, units, `hidden_${i + 1}`, true), `hidden_${i + 1}_dropout`);
  });
  const logits = new FusionDense({
    units: config.numTags,
    activation: "linear",
    seed: nextSeed(),
    name: LOGITS_LAYER,
  }).apply(h) as tf.SymbolicTensor;
  const probabilities = tf.layers.activation({ activation: "sigmoid", name: "probabilities" }).apply(
    logits,
  ) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs: probabilities, name: "fusion" });
}

/** A model sharing `network`'s layers that outputs logits (for a numerically stable loss). */
export function logitsModel(network: tf.LayersModel): tf.LayersModel {
  return tf.model({
    inputs: network.inputs,
    outputs: network.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor,
  });
}
