/** Configuration of the fusion network: input sizes per modality, layer sizes, seed. */
import { MODALITIES, type Modality } from "@/core/mod.ts";

/** Activation applied after each hidden dense layer. */
export type Activation = "relu" | "elu" | "tanh" | "swish";

/** Sparse text input: hashed n-gram ids with TF-IDF weights summed into a learned embedding (fastText-like). */
export interface SparseTextConfig {
  /** Number of hash buckets (rows of the embedding table). */
  buckets: number;
  /** Embedding width. */
  dim: number;
  /** Ids per post; shorter posts are padded with weight 0. */
  maxTokens: number;
  /** Also a linear path from the n-grams to the logits (a second bag of width numTags), wide & deep. @default false */
  wide?: boolean;
}

/** Complete, resolved configuration of a fusion network. */
export interface FusionConfig {
  /**
   * Dense input width per modality; 0 means the modality is absent from this model. With `sparseText`,
   * `text` > 0 is a dense sentence embedding beside the n-gram bag (its own projection, gated by the text
   * presence bit).
   */
  inputSizes: Record<Modality, number>;
  /** Sparse text input: the n-gram bag (with `inputSizes.text` > 0, beside a dense text embedding). */
  sparseText: SparseTextConfig | null;
  /** Number of tags (sigmoid outputs). */
  numTags: number;
  /** Width of each modality's projection (text, image, video). */
  projectionSize: number;
  /** Widths of the two dense layers of the metadata branch. */
  metadataHidden: [number, number];
  /** Widths of the dense layers after concatenation. */
  hidden: number[];
  /** Activation of projections and hidden layers. */
  activation: Activation;
  /** Dropout rate after projections and hidden layers. */
  dropout: number;
  /** Seed for weight initialisation and dropout masks. */
  seed: number;
}

/** A partial configuration as given by callers; missing fields take the defaults. */
export type FusionConfigInput = Partial<Omit<FusionConfig, "inputSizes">> & {
  inputSizes?: Partial<Record<Modality, number>>;
};

/** Defaults, in one place. */
export const DEFAULT_FUSION_CONFIG: Omit<FusionConfig, "inputSizes" | "numTags"> = {
  sparseText: null, // dense text vectors by default
  projectionSize: 128, // per-modality projection width (256: 2x the time, same F0.5 on the sample corpus)
  metadataHidden: [64, 32], // small metadata network trained from scratch
  hidden: [256, 128], // after concatenation
  activation: "relu",
  dropout: 0.2,
  seed: 42,
};

const KNOWN_KEYS = new Set([
  "inputSizes",
  "sparseText",
  "numTags",
  "projectionSize",
  "metadataHidden",
  "hidden",
  "activation",
  "dropout",
  "seed",
]);

function positiveInt(value: unknown, name: string, allowZero = false): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `Cannot configure fusion model: "${name}" must be a ${
        allowZero ? "non-negative" : "positive"
      } integer, got "${String(value)}"`,
    );
  }
  return value;
}

/** Merges `input` over the defaults and validates it; unknown keys fail. */
export function resolveFusionConfig(input: FusionConfigInput): FusionConfig {
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new TypeError(`Cannot configure fusion model: unknown key "${key}"`);
  }
  for (const key of Object.keys(input.inputSizes ?? {})) {
    if (!(MODALITIES as readonly string[]).includes(key)) {
      throw new TypeError(`Cannot configure fusion model: unknown modality "${key}"`);
    }
  }
  const inputSizes = { text: 0, image: 0, video: 0, metadata: 0, ...input.inputSizes };
  for (const m of MODALITIES) positiveInt(inputSizes[m], `inputSizes.${m}`, true);
  const config: FusionConfig = {
    ...DEFAULT_FUSION_CONFIG,
    ...input,
    inputSizes,
    numTags: positiveInt(input.numTags, "numTags"),
  } as FusionConfig;
  positiveInt(config.projectionSize, "projectionSize");
  config.metadataHidden.forEach((h, i) => positiveInt(h, `metadataHidden[${i}]`));
  if (config.metadataHidden.length !== 2) {
    throw new RangeError(
      `Cannot configure fusion model: "metadataHidden" must have 2 sizes, got "${config.metadataHidden.length}"`,
    );
  }
  config.hidden.forEach((h, i) => positiveInt(h, `hidden[${i}]`));
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new RangeError(
      `Cannot configure fusion model: "dropout" must be in [0, 1), got "${config.dropout}"`,
    );
  }
  if (!["relu", "elu", "tanh", "swish"].includes(config.activation)) {
    throw new RangeError(`Cannot configure fusion model: unknown activation "${config.activation}"`);
  }
  if (config.sparseText) {
    positiveInt(config.sparseText.buckets, "sparseText.buckets");
    positiveInt(config.sparseText.dim, "sparseText.dim");
    positiveInt(config.sparseText.maxTokens, "sparseText.maxTokens");
  }
  if (!MODALITIES.some((m) => hasModality(config, m))) {
    throw new RangeError("Cannot configure fusion model: every modality has input size 0");
  }
  return config;
}

/** True when the model has an input for modality `m`. */
export function hasModality(config: FusionConfig, m: Modality): boolean {
  return m === "text" ? config.inputSizes.text > 0 || config.sparseText !== null : config.inputSizes[m] > 0;
}
