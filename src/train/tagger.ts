/**
 * The product's tagger: the fusion network and the one-vs-rest linear model on the full TF-IDF bag,
 * blended in log-odds by a weight chosen out of fold, each tag's blend calibrated (Platt) and decided by
 * its own rule (threshold, top-k or every post). Saved beside the network in the model folder:
 * `tagger.json` (blend, calibration, rules) and `linear.bin` (the linear model's used columns).
 *
 *   scores = sigmoid((1 - w) * logit(linear) + w * logit(network))   w = blend.network
 *   probability = Platt(scores); tags = rules(probability)
 *
 * A folder without `tagger.json` (a model from before) is scored by the network and its thresholds.
 *
 * @module
 */
import { join } from "node:path";
import type { SparseVector } from "@/encode/mod.ts";
import type { LabelMatrix } from "./f_beta.ts";
import { applyPlatt, type Platt } from "./calibration.ts";
import { applyRules, type DecisionRule } from "./decision_rules.ts";
import { type LinearModel, predictLinear, sparseRows } from "./linear.ts";
import type { ScoreMatrix } from "./thresholds.ts";

/** Contents of tagger.json. */
export interface TaggerMeta {
  format: "tagger";
  version: 1;
  /** Weight of the network's log-odds; the linear model has the rest (1 when there is none). */
  blend: { network: number };
  /** Per tag, from blended score to probability. */
  calibration: Platt[];
  /** Per tag, how the probability becomes a decision. */
  rules: DecisionRule[];
  /** The linear model's shape and regularization, when there is one. */
  linear: { dim: number; labels: number; columns: number; C: number } | null;
}

/** The decision layer of a saved model (the network is loaded by the model module). */
export interface TaggerParts {
  meta: TaggerMeta;
  linear: LinearModel | null;
}

export const TAGGER_FILE = "tagger.json";
export const LINEAR_FILE = "linear.bin";

const EPS = 1e-6;
const logit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};

/** The blend of network and linear scores (same shape) with the network's weight `w`. */
export function blendScores(network: ScoreMatrix, linear: ScoreMatrix | null, w: number): ScoreMatrix {
  if (!linear || w >= 1) return network;
  if (linear.rows !== network.rows || linear.cols !== network.cols) {
    throw new RangeError(
      `Cannot blend scores: linear "${linear.rows}x${linear.cols}" and network "${network.rows}x${network.cols}"`,
    );
  }
  const data = new Float32Array(network.data.length);
  for (let i = 0; i < data.length; i++) {
    const z = (1 - w) * logit(linear.data[i]) + w * logit(network.data[i]);
    data[i] = 1 / (1 + Math.exp(-z));
  }
  return { data, rows: network.rows, cols: network.cols };
}

/** Calibrated probabilities of the blend: what the product stores and its shares are built from. */
export function taggerProbabilities(
  parts: TaggerParts,
  network: ScoreMatrix,
  vectors: readonly SparseVector[] | null,
): ScoreMatrix {
  const { meta, linear } = parts;
  const lin = linear && vectors ? predictLinear(linear, sparseRows(vectors, linear.dim)) : null;
  const blended = blendScores(network, lin, lin ? meta.blend.network : 1);
  const cols = blended.cols, data = new Float32Array(blended.data.length);
  for (let i = 0; i < data.length; i++) data[i] = applyPlatt(meta.calibration[i % cols], blended.data[i]);
  return { data, rows: blended.rows, cols };
}

/** The tags each row gets. */
export function taggerDecisions(parts: TaggerParts, probabilities: ScoreMatrix): LabelMatrix {
  return applyRules(probabilities, parts.meta.rules);
}

/** Writes tagger.json and linear.bin into a model folder. */
export async function saveTagger(dir: string, parts: TaggerParts): Promise<void> {
  const { linear } = parts;
  let meta = parts.meta;
  if (linear) {
    const L = linear.labels, used: number[] = [];
    for (let c = 0; c < linear.dim; c++) {
      for (let l = 0; l < L; l++) {
        if (linear.weights[c * L + l] !== 0) {
          used.push(c);
          break;
        }
      }
    }
    const columns = Int32Array.from(used), weights = new Float32Array(used.length * L);
    used.forEach((c, j) => weights.set(linear.weights.subarray(c * L, (c + 1) * L), j * L));
    const bias = Float64Array.from(linear.bias);
    const bytes = new Uint8Array(columns.byteLength + weights.byteLength + bias.byteLength);
    bytes.set(new Uint8Array(bias.buffer), 0);
    bytes.set(new Uint8Array(columns.buffer), bias.byteLength);
    bytes.set(new Uint8Array(weights.buffer), bias.byteLength + columns.byteLength);
    await Deno.writeFile(join(dir, LINEAR_FILE), bytes);
    meta = { ...meta, linear: { ...meta.linear!, dim: linear.dim, labels: L, columns: used.length } };
  }
  await Deno.writeTextFile(join(dir, TAGGER_FILE), JSON.stringify(meta, null, 2) + "\n");
}

/** Reads a model folder's decision layer; undefined for a folder from before the tagger. */
export async function loadTagger(dir: string): Promise<TaggerParts | undefined> {
  let meta: TaggerMeta;
  try {
    meta = JSON.parse(await Deno.readTextFile(join(dir, TAGGER_FILE)));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new SyntaxError(`Cannot read tagger "${join(dir, TAGGER_FILE)}": ${(err as Error).message}`);
  }
  if (meta.format !== "tagger" || meta.version !== 1) {
    throw new TypeError(`Cannot load tagger "${dir}": unsupported format "${meta.format}@${meta.version}"`);
  }
  if (!meta.linear) return { meta, linear: null };
  const { dim, labels: L, columns: m } = meta.linear;
  const bytes = await Deno.readFile(join(dir, LINEAR_FILE));
  const expected = 8 * L + 4 * m + 4 * m * L;
  if (bytes.byteLength !== expected) {
    throw new RangeError(
      `Cannot load linear model "${
        join(dir, LINEAR_FILE)
      }": "${bytes.byteLength}" bytes, expected ${expected}`,
    );
  }
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const bias = new Float64Array(buf, 0, L);
  const columns = new Int32Array(buf, 8 * L, m);
  const packed = new Float32Array(buf, 8 * L + 4 * m, m * L);
  const weights = new Float32Array(dim * L);
  columns.forEach((c, j) => weights.set(packed.subarray(j * L, (j + 1) * L), c * L));
  return { meta, linear: { dim, labels: L, weights, bias: Float64Array.from(bias) } };
}
