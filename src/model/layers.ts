/**
 * Custom tfjs layers of the fusion network, registered for (de)serialisation on import:
 * `FusionDense` (dense layer whose gradient avoids transposed matmuls, which are 10-20x slower on the
 * wasm backend), `PresenceGate` (multiplies a branch by its modality's presence bit), `SeededDropout`
 * (dropout whose masks follow a seed, so training is reproducible) and `EmbeddingBag` (weighted sum of
 * learned embeddings of hashed n-gram ids, as fastText does).
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation } from "./config.ts";

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;
type SaveFunc = (tensors: tf.Tensor[]) => void;
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
type CustomOp = (...args: Array<tf.Tensor | SaveFunc>) => { value: tf.Tensor; gradFunc: GradFunc };

function customGrad(f: CustomOp): (...args: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (
    ...args: tf.Tensor[]
  ) => tf.Tensor;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** x @ w whose gradients use explicit transposes (wasm's transposed BatchMatMul is very slow). */
const matMulWithInputGrad = customGrad((x, w, save) => {
  (save as SaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, [xs, ws]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)),
      tf.matMul(tf.transpose(xs), dy as tf.Tensor2D),
    ],
  };
});

/** As `matMulWithInputGrad` but returns a zero gradient for x (x is a model input, nothing learns from it). */
const matMulNoInputGrad = customGrad((x, w, save) => {
  (save as SaveFunc)([x as tf.Tensor]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy, [xs]) => [tf.zerosLike(xs), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)],
  };
});

/** Applies a named activation (or none). */
export function activate(x: tf.Tensor, activation: Activation | "linear"): tf.Tensor {
  switch (activation) {
    case "relu":
      return tf.relu(x);
    case "elu":
      return tf.elu(x);
    case "tanh":
      return tf.tanh(x);
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
    case "linear":
      return x;
  }
}

/** Options of `FusionDense`. */
export interface FusionDenseArgs extends LayerArgs {
  units: number;
  activation?: Activation | "linear";
  /** Seed of the Glorot-uniform kernel initialiser. */
  seed: number;
  /** Whether the gradient with respect to the input is needed (false right after a model input). */
  inputGrad?: boolean;
}

/** Dense layer (kernel, bias, activation) with a wasm-friendly gradient; fused matmul on other backends. */
export class FusionDense extends tf.layers.Layer {
  static className = "FusionDense";
  readonly units: number;
  readonly activation: Activation | "linear";
  readonly seed: number;
  readonly inputGrad: boolean;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: FusionDenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? "linear";
    this.seed = args.seed;
    this.inputGrad = args.inputGrad ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inDim = shape[shape.length - 1] as number;
    this.kernel = this.addWeight(
      "kernel",
      [inDim, this.units],
      "float32",
      tf.initializers.glorotUniform({ seed: this.seed }),
    );
    this.bias = this.addWeight("bias", [this.units], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      if (tf.getBackend() !== "wasm") {
        // Elsewhere tfjs's fused kernel (matmul + bias + relu in one op) is faster; its gradient handles
        // only linear and relu.
        const fused = this.activation === "relu" || this.activation === "linear";
        const y = tf.fused.matMul({
          a: x as tf.Tensor2D,
          b: this.kernel!.read() as tf.Tensor2D,
          bias: this.bias!.read(),
          activation: fused ? this.activation as "relu" | "linear" : "linear",
        });
        return fused ? y : activate(y, this.activation);
      }
      const op = this.inputGrad ? matMulWithInputGrad : matMulNoInputGrad;
      const y = tf.add(op(x, this.kernel!.read()), this.bias!.read());
      return activate(y, this.activation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      seed: this.seed,
      inputGrad: this.inputGrad,
    };
  }
}

/** Options of `PresenceGate`. */
export interface PresenceGateArgs extends LayerArgs {
  /** Column of the presence mask that gates this branch. */
  index: number;
}

/** Inputs [x, mask]: returns x times mask[:, index], so a missing modality contributes exactly zero. */
export class PresenceGate extends tf.layers.Layer {
  static className = "PresenceGate";
  readonly index: number;

  constructor(args: PresenceGateArgs) {
    super(args);
    this.index = args.index;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      return tf.mul(x, tf.slice(mask, [0, this.index], [-1, 1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), index: this.index };
  }
}

/** Options of `SeededDropout`. */
export interface SeededDropoutArgs extends LayerArgs {
  rate: number;
  seed: number;
}

/**
 * Dropout whose mask at the n-th training call is drawn from seed + n. (tf.layers.dropout with a seed
 * reuses one mask for every step; without a seed it is not reproducible.)
 */
export class SeededDropout extends tf.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    if (kwargs.training !== true || this.rate === 0) return x;
    const seed = (this.seed * 1_000_003 + this.calls++) % 2_147_483_647;
    return tf.dropout(x, this.rate, undefined, seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/** Options of `EmbeddingBag`. */
export interface EmbeddingBagArgs extends LayerArgs {
  buckets: number;
  dim: number;
  seed: number;
  /** Initial table: uniform in [-0.05, 0.05], or zeros (for a linear term). @default "uniform" */
  init?: "uniform" | "zeros";
}

/** sum_l weights[b, l] * table[ids[b, l]]; the table gradient is a scatter-add (wasm has no UnsortedSegmentSum). */
const embeddingBagOp = customGrad((table, ids, weights, save) => {
  const t = table as tf.Tensor2D;
  const i = ids as tf.Tensor2D;
  const w = weights as tf.Tensor2D;
  (save as SaveFunc)([i, w]);
  const rows = tf.gather(t, i); // [B, L, D]
  return {
    value: tf.sum(tf.mul(rows, tf.expandDims(w, 2)), 1),
    gradFunc: (dy, [si, sw]) => {
      const [b, l] = si.shape;
      const d = t.shape[1];
      const updates = tf.reshape(tf.mul(tf.expandDims(dy, 1), tf.expandDims(sw, 2)), [b * l, d]);
      const dTable = tf.scatterND(tf.reshape(si, [b * l, 1]), updates, t.shape);
      return [dTable, tf.zerosLike(si), tf.zerosLike(sw)];
    },
  };
});

/** Inputs [ids (int32, [B, L]), weights ([B, L])]: a weighted bag of learned embeddings, [B, dim]. */
export class EmbeddingBag extends tf.layers.Layer {
  static className = "EmbeddingBag";
  readonly buckets: number;
  readonly dim: number;
  readonly seed: number;
  readonly init: "uniform" | "zeros";
  private table: tf.LayerVariable | null = null;

  constructor(args: EmbeddingBagArgs) {
    super(args);
    this.buckets = args.buckets;
    this.dim = args.dim;
    this.seed = args.seed;
    this.init = args.init ?? "uniform";
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    this.table = this.addWeight(
      "embeddings",
      [this.buckets, this.dim],
      "float32",
      this.init === "zeros"
        ? tf.initializers.zeros()
        : tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape[])[0][0], this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, weights] = inputs as tf.Tensor[];
      return embeddingBagOp(this.table!.read(), tf.cast(ids, "int32"), weights);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), buckets: this.buckets, dim: this.dim, seed: this.seed, init: this.init };
  }
}

/** scatter rows h[i] to out[rows[i]] of a [batch, width] zero tensor; the gradient gathers dy's rows back. */
const scatterRowsOp = customGrad((h, rows, mask, save) => {
  const r = rows as tf.Tensor2D;
  (save as SaveFunc)([r, mask as tf.Tensor]);
  const shape = [(mask as tf.Tensor).shape[0], (h as tf.Tensor).shape[1]!];
  return {
    value: tf.scatterND(r, h as tf.Tensor2D, shape),
    gradFunc: (dy, [sr, sm]) => [tf.gather(dy, tf.reshape(sr, [-1])), tf.zerosLike(sr), tf.zerosLike(sm)],
  };
});

/**
 * Inputs [h ([n, width]), rows (int32 [n, 1]), mask ([batch, 4])]: a [batch, width] tensor holding h[i] at
 * row rows[i] and zeros elsewhere. Lets a branch compute only the posts where its modality is present.
 */
export class ScatterRows extends tf.layers.Layer {
  static className = "ScatterRows";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [h, , mask] = inputShape as tf.Shape[];
    return [mask[0], h[1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [h, rows, mask] = inputs as tf.Tensor[];
      return scatterRowsOp(h, tf.cast(rows, "int32"), mask);
    });
  }
}

tf.serialization.registerClass(FusionDense);
tf.serialization.registerClass(ScatterRows);
tf.serialization.registerClass(PresenceGate);
tf.serialization.registerClass(SeededDropout);
tf.serialization.registerClass(EmbeddingBag);
