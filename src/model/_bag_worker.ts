/**
 * The worker half of {@linkcode ./bag_pipeline.ts}: owns the embedding-bag trainers (tables in shared
 * memory, optimizer state here) and answers, in the order asked, "forward" (the bags' outputs for a
 * batch) and "update" (a lazy optimizer step from the gradient of those outputs).
 */
/// <reference lib="deno.worker" />
import { type BagRows, SparseBagTrainer, type SparseOptimizerOptions } from "./sparse_bag.ts";

/** Messages the pipeline sends. */
export type BagRequest =
  | {
    type: "init";
    bags: { table: Float32Array; rows: number; options: SparseOptimizerOptions; dropout: boolean }[];
    rows: BagRows;
  }
  | { type: "forward"; step: number; idx: Int32Array; dropped: BagRows | null }
  | { type: "update"; step: number; dOuts: Float32Array[] }
  | { type: "flush"; id: number };

/** Messages the worker sends back. */
export type BagReply =
  | { type: "forward"; step: number; outs: Float32Array[] }
  | { type: "flushed"; id: number }
  | { type: "error"; message: string };

let trainers: { trainer: SparseBagTrainer; dropout: boolean }[] = [];
let trainRows: BagRows | null = null;
/** The rows each bag saw in a forward pass, kept for its update. */
const pending = new Map<number, { rows: BagRows; idx: Int32Array }[]>();

function handle(msg: BagRequest): BagReply | null {
  switch (msg.type) {
    case "init":
      trainers = msg.bags.map((b) => ({
        trainer: new SparseBagTrainer(b.table, b.rows, b.options, { inPlace: true }),
        dropout: b.dropout,
      }));
      trainRows = msg.rows;
      return null;
    case "forward": {
      const seen = trainers.map(({ dropout }) =>
        dropout && msg.dropped
          ? { rows: msg.dropped, idx: new Int32Array(msg.idx.length).map((_, j) => j) }
          : { rows: trainRows!, idx: msg.idx }
      );
      pending.set(msg.step, seen);
      return {
        type: "forward",
        step: msg.step,
        outs: trainers.map((t, i) => t.trainer.forward(seen[i].rows, seen[i].idx)),
      };
    }
    case "update": {
      const seen = pending.get(msg.step)!;
      pending.delete(msg.step);
      trainers.forEach((t, i) => t.trainer.step(seen[i].rows, seen[i].idx, msg.dOuts[i]));
      return null;
    }
    case "flush":
      return { type: "flushed", id: msg.id };
  }
}

self.onmessage = (event: MessageEvent<BagRequest>) => {
  try {
    const reply = handle(event.data);
    if (reply?.type === "forward") self.postMessage(reply, reply.outs.map((o) => o.buffer));
    else if (reply) self.postMessage(reply);
  } catch (err) {
    self.postMessage({
      type: "error",
      message: err instanceof Error ? err.stack ?? err.message : String(err),
    });
  }
};
