/**
 * The fusion network: one input per modality plus a presence mask; a projection per modality gated by its
 * presence bit; the mask concatenated; dense layers; K sigmoid outputs. With `sparseText.wide`, a second
 * embedding bag of width K adds a linear text term to the logits (wide & deep).
 */
import * as tf from "@tensorflow/tfjs";
import { MODALITIES } from "@/core/mod.ts";
import { type FusionConfig, hasModality } from "./config.ts";
import { EmbeddingBag, FusionDense, PresenceGate, ScatterRows, SeededDropout } from "./layers.ts";

/** Name of the presence-mask input; its columns follow `MODALITIES`. */
export const MASK_INPUT = "mask";
/** Name of the layer producing logits (before the sigmoid). */
export const LOGITS_LAYER = "logits";
/** Names of the embedding-bag layers (the deep text bag and the wide linear term). */
export const BAG_LAYERS = ["text_bag", "text_wide"] as const;
/** Suffix of the host-inputs network's input that replaces an embedding-bag layer's output. */
export const BAG_INPUT_SUFFIX = "_out";
/** Modalities whose host-inputs network input holds only the present rows (often absent, wide inputs). */
export const PACKED_MODALITIES = ["image", "video"] as const;
/** Suffix of the input giving the batch positions of a packed modality's rows (int32 [n, 1]). */
export const ROWS_INPUT_SUFFIX = "_rows";

/** A trained or fresh fusion network with its configuration. */
export interface FusionModel {
  /** Outputs probabilities [B, numTags]. */
  network: tf.LayersModel;
  config: FusionConfig;
}

type Make = <L extends tf.layers.Layer>(name: string, create: (seed: () => number) => L) => L;

/**
 * Wires the graph. `make` creates a layer or returns an existing one of that name. With `hostInputs`
 * every embedding bag's output becomes an input named `<layer>_out`, and each packed modality's input
 * holds only its present rows, placed back by their positions (input `<modality>_rows`).
 */
function wire(
  config: FusionConfig,
  make: Make,
  hostInputs: boolean,
): { inputs: tf.SymbolicTensor[]; logits: tf.SymbolicTensor } {
  const bagsAsInputs = hostInputs;
  const inputs: tf.SymbolicTensor[] = [];
  const mask = tf.input({ shape: [MODALITIES.length], name: MASK_INPUT });
  const branches: tf.SymbolicTensor[] = [];
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const dense = (x: tf.SymbolicTensor, units: number, name: string, inputGrad: boolean) =>
    apply(
      make(name, (seed) =>
        new FusionDense({ units, activation: config.activation, seed: seed(), inputGrad, name })),
      x,
    );
  const dropout = (x: tf.SymbolicTensor, name: string) =>
    config.dropout > 0
      ? apply(make(name, (seed) => new SeededDropout({ rate: config.dropout, seed: seed(), name })), x)
      : x;
  const gate = (x: tf.SymbolicTensor, index: number, name: string) =>
    apply(make(name, () => new PresenceGate({ index, name })), [x, mask]);
  let wide: tf.SymbolicTensor | null = null;

  MODALITIES.forEach((m, index) => {
    if (!hasModality(config, m)) return;
    let h: tf.SymbolicTensor;
    if (m === "text" && config.sparseText) {
      const { buckets, dim, maxTokens } = config.sparseText;
      let ids: tf.SymbolicTensor | null = null, weights: tf.SymbolicTensor | null = null;
      if (!bagsAsInputs) {
        ids = tf.input({ shape: [maxTokens], dtype: "int32", name: "text_ids" });
        weights = tf.input({ shape: [maxTokens], name: "text_weights" });
        inputs.push(ids, weights);
      }
      const bag = (name: string, width: number, init: "uniform" | "zeros") => {
        if (bagsAsInputs) {
          const x = tf.input({ shape: [width], name: name + BAG_INPUT_SUFFIX });
          inputs.push(x);
          return x;
        }
        return apply(
          make(name, (seed) => new EmbeddingBag({ buckets, dim: width, seed: seed(), init, name })),
          [ids!, weights!],
        );
      };
      h = dropout(
        dense(bag("text_bag", dim, "uniform"), config.projectionSize, "text_proj", true),
        "text_dropout",
      );
      if (config.sparseText.wide) {
        wide = gate(bag("text_wide", config.numTags, "zeros"), index, "text_wide_gate");
      }
      if (config.inputSizes.text > 0) {
        // A sentence embedding beside the bag: its own projection, gated by the same presence bit.
        const x = tf.input({ shape: [config.inputSizes.text], name: "text" });
        inputs.push(x);
        const e = dropout(dense(x, config.projectionSize, "text_embed_proj", false), "text_embed_dropout");
        branches.push(gate(e, index, "text_embed_gate"));
      }
    } else {
      const x = tf.input({ shape: [config.inputSizes[m]], name: m });
      inputs.push(x);
      if (m === "metadata") {
        const [h1, h2] = config.metadataHidden;
        h = dense(dense(x, h1, "metadata_dense1", false), h2, "metadata_dense2", true);
      } else {
        h = dropout(dense(x, config.projectionSize, `${m}_proj`, false), `${m}_dropout`);
        if (hostInputs && (PACKED_MODALITIES as readonly string[]).includes(m)) {
          const rows = tf.input({ shape: [1], dtype: "int32", name: m + ROWS_INPUT_SUFFIX });
          inputs.push(rows);
          const name = `${m}_scatter`;
          h = apply(make(name, () => new ScatterRows({ name })), [h, rows, mask]);
        }
      }
    }
    branches.push(gate(h, index, `${m}_gate`));
  });
  inputs.push(mask);

  let h = apply(make("concat", () => tf.layers.concatenate({ name: "concat" })), [...branches, mask]);
  config.hidden.forEach((units, i) => {
    h = dropout(dense(h, units, `hidden_${i + 1}`, true), `hidden_${i + 1}_dropout`);
  });
  const outName = wide ? "logits_deep" : LOGITS_LAYER;
  let logits = apply(
    make(
      outName,
      (seed) => new FusionDense({ units: config.numTags, activation: "linear", seed: seed(), name: outName }),
    ),
    h,
  );
  if (wide) logits = apply(make(LOGITS_LAYER, () => tf.layers.add({ name: LOGITS_LAYER })), [logits, wide]);
  return { inputs, logits };
}

/** Builds a fresh network with seeded weights. */
export function buildFusionNetwork(config: FusionConfig): tf.LayersModel {
  let seedCounter = 0;
  const nextSeed = () => (config.seed * 7919 + 104729 * ++seedCounter) % 2_147_483_647;
  const { inputs, logits } = wire(config, (_name, create) => create(nextSeed), false);
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

/**
 * A logits model sharing `network`'s layers, for fast training and prediction: each embedding bag's
 * output is an input (`<layer>_out`, summed on the host, see host_bags.ts), and the image and video inputs
 * hold only the rows where the modality is present, with their batch positions in `<modality>_rows`
 * (an absent modality costs nothing). The batcher builds these inputs.
 */
export function hostInputsModel(network: tf.LayersModel, config: FusionConfig): tf.LayersModel {
  const { inputs, logits } = wire(
    config,
    (name, create) => (network.layers.find((l) => l.name === name) ?? create(() => 0)) as never,
    true,
  );
  return tf.model({ inputs, outputs: logits });
}
