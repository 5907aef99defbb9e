/**
 * Embedding bags computed on the host: a network's bag tables as typed arrays and their outputs for a
 * batch as the inputs of `hostInputsModel`. On the wasm backend tfjs would gather [B, L, dim] rows first;
 * the host sums only the non-zero n-grams.
 */
import * as tf from "@tensorflow/tfjs";
import { BAG_INPUT_SUFFIX, BAG_LAYERS } from "./network.ts";
import { bagForward, type BagRows } from "./sparse_bag.ts";

/** One embedding bag's table, row-major [rows, dim]. */
export interface HostBag {
  /** Layer name (one of `BAG_LAYERS`). */
  name: string;
  table: Float32Array;
  dim: number;
}

/** Copies the tables of `network`'s embedding bags to the host (none when it has no bag). */
export function readBags(network: tf.LayersModel): HostBag[] {
  return BAG_LAYERS.filter((name) => network.layers.some((l) => l.name === name)).map((name) => {
    const [w] = network.getLayer(name).getWeights();
    return { name, table: w.dataSync() as Float32Array, dim: w.shape[1]! };
  });
}

/** The text bag rows of `data` (sparse text), or null. */
export function textBagRows(
  data: { count: number; textIds?: Int32Array; textWeights?: Float32Array },
): BagRows | null {
  if (!data.textIds || !data.textWeights || data.count === 0) return null;
  return { ids: data.textIds, weights: data.textWeights, width: data.textIds.length / data.count };
}

/** The bags' outputs for rows `idx`, named as `hostInputsModel`'s inputs. */
export function bagTensors(
  bags: HostBag[],
  rows: BagRows | null,
  idx: Int32Array,
): Array<[string, tf.Tensor]> {
  if (bags.length === 0) return [];
  if (!rows) throw new RangeError("Cannot sum embedding bags: the data has no text ids and weights");
  return bagInputs(bags, bags.map((b) => bagForward(b.table, b.dim, rows, idx)), idx.length);
}

/** Bag outputs already summed (one [n, dim] array per bag), named as `hostInputsModel`'s inputs. */
export function bagInputs(bags: HostBag[], outputs: Float32Array[], n: number): Array<[string, tf.Tensor]> {
  return bags.map((b, i) => [b.name + BAG_INPUT_SUFFIX, tf.tensor2d(outputs[i], [n, b.dim])]);
}
