/**
 * Host-side training of an embedding-bag table: the forward sum and a lazy (sparse) optimizer step that
 * touches only the rows a batch uses. tfjs would hand a dense [buckets, dim] gradient to Adam every step
 * (2^18 x 64 floats read and written four times per step); here a step costs what the batch's n-grams cost.
 */

/** Bags of posts: `width` (id, weight) slots per post, row-major; weight 0 marks padding. */
export interface BagRows {
  ids: Int32Array;
  weights: Float32Array;
  width: number;
}

/**
 * out[j] = sum_l weights[r, l] * table[ids[r, l]] for r = idx[j], with `table` row-major [rows, dim] and
 * `ids`/`weights` row-major with `width` entries per post; entries of weight 0 are skipped.
 * Returns [idx.length, dim].
 */
export function bagForward(table: Float32Array, dim: number, rows: BagRows, idx: Int32Array): Float32Array {
  const { ids, weights, width } = rows;
  const out = new Float32Array(idx.length * dim);
  for (let j = 0; j < idx.length; j++) {
    const base = idx[j] * width, o = j * dim;
    for (let l = 0; l < width; l++) {
      const w = weights[base + l];
      if (w === 0) continue;
      const row = ids[base + l] * dim;
      for (let k = 0; k < dim; k++) out[o + k] += w * table[row + k];
    }
  }
  return out;
}

/** Optimizer of the table rows. */
export interface SparseOptimizerOptions {
  /** "adam": lazy Adam (moments of the touched rows only); "adagrad": per-weight AdaGrad. @default "adam" */
  kind?: "adam" | "adagrad";
  /** Step size. @default 0.001 */
  learningRate?: number;
  /** L2 penalty added to the gradient of each touched weight (per step). @default 0 */
  l2?: number;
  /** Adam's first-moment decay. @default 0.9 */
  beta1?: number;
  /** Adam's second-moment decay. @default 0.999 */
  beta2?: number;
  /** Added to the root of the second moment (Adam) or of the squared-gradient sum (AdaGrad). @default 1e-7 */
  epsilon?: number;
}

/** A table [rows, dim] trained on the host; `values` is the live table, row-major. */
export class SparseBagTrainer {
  readonly rows: number;
  readonly dim: number;
  readonly values: Float32Array;
  private readonly opts: Required<SparseOptimizerOptions>;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly slot: Int32Array;
  private touched = new Int32Array(0);
  private grad = new Float32Array(0);
  private steps = 0;

  /**
   * Trains `table` of `rows` x (table.length / rows): a copy, or `table` itself with `inPlace` (a table
   * in shared memory that another thread reads between steps).
   */
  constructor(
    table: Float32Array,
    rows: number,
    options: SparseOptimizerOptions = {},
    { inPlace = false }: { inPlace?: boolean } = {},
  ) {
    if (!(rows > 0) || table.length % rows !== 0) {
      throw new RangeError(`Cannot train embedding table: "${table.length}" values do not fill ${rows} rows`);
    }
    this.rows = rows;
    this.dim = table.length / rows;
    this.values = inPlace ? table : table.slice();
    this.opts = {
      kind: "adam",
      learningRate: 1e-3,
      l2: 0,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      ...options,
    };
    if (!["adam", "adagrad"].includes(this.opts.kind)) {
      throw new RangeError(`Cannot train embedding table: unknown optimizer "${this.opts.kind}"`);
    }
    this.m = new Float32Array(this.opts.kind === "adam" ? table.length : 0);
    this.v = new Float32Array(table.length);
    this.slot = new Int32Array(rows).fill(-1);
  }

  /** `bagForward` on the live table. */
  forward(rows: BagRows, idx: Int32Array): Float32Array {
    return bagForward(this.values, this.dim, rows, idx);
  }

  /** One optimizer step from the gradient `dOut` ([idx.length, dim]) of the loss w.r.t. `forward`'s output. */
  step(rows: BagRows, idx: Int32Array, dOut: Float32Array): void {
    const { ids, weights, width } = rows;
    const d = this.dim;
    const maxTouched = idx.length * width;
    if (this.touched.length < maxTouched) {
      this.touched = new Int32Array(maxTouched);
      this.grad = new Float32Array(maxTouched * d);
    }
    const { slot, touched, grad } = this;
    let n = 0;
    for (let j = 0; j < idx.length; j++) {
      const base = idx[j] * width, o = j * d;
      for (let l = 0; l < width; l++) {
        const w = weights[base + l];
        if (w === 0) continue;
        const id = ids[base + l];
        let s = slot[id];
        if (s < 0) {
          s = slot[id] = n;
          touched[n++] = id;
          grad.fill(0, s * d, (s + 1) * d);
        }
        const g = s * d;
        for (let k = 0; k < d; k++) grad[g + k] += w * dOut[o + k];
      }
    }
    this.steps++;
    const { kind, learningRate, l2, beta1, beta2, epsilon } = this.opts;
    const t = this.values, m = this.m, v = this.v;
    if (kind === "adam") {
      const lr = learningRate * Math.sqrt(1 - beta2 ** this.steps) / (1 - beta1 ** this.steps);
      for (let s = 0; s < n; s++) {
        const row = touched[s] * d, g0 = s * d;
        for (let k = 0; k < d; k++) {
          const i = row + k;
          const g = grad[g0 + k] + l2 * t[i];
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          t[i] -= lr * m[i] / (Math.sqrt(v[i]) + epsilon);
        }
        slot[touched[s]] = -1;
      }
    } else {
      for (let s = 0; s < n; s++) {
        const row = touched[s] * d, g0 = s * d;
        for (let k = 0; k < d; k++) {
          const i = row + k;
          const g = grad[g0 + k] + l2 * t[i];
          v[i] += g * g;
          t[i] -= learningRate * g / (Math.sqrt(v[i]) + epsilon);
        }
        slot[touched[s]] = -1;
      }
    }
  }
}
