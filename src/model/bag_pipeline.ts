/**
 * Embedding-bag training on the second core. tfjs-wasm runs the dense network on one thread; the bags'
 * forward sums and lazy optimizer steps (a third of a training step) run in a worker meanwhile:
 * while the network trains on batch i, the worker applies batch i-1's update and then sums batch i+1's
 * bags. So batch i+1 sees the table without batch i's update — one step stale, as in asynchronous SGD;
 * the order of work is fixed, so a seed still gives the same model.
 *
 * The tables live in shared memory: between epochs (after {@linkcode BagPipeline.flush}) the main
 * thread reads them for validation and saving.
 */
import type { BagReply, BagRequest } from "./_bag_worker.ts";
import type { HostBag } from "./host_bags.ts";
import type { BagRows, SparseOptimizerOptions } from "./sparse_bag.ts";

/** One bag to train. */
export interface PipelineBag {
  /** Layer name. */
  name: string;
  /** Initial table, row-major [rows, dim] (copied into shared memory). */
  table: Float32Array;
  rows: number;
  options: SparseOptimizerOptions;
  /** Trained on the n-gram-dropped rows given with each batch (else on the full rows). */
  dropout: boolean;
}

export class BagPipeline {
  /** The live tables (shared with the worker); read them only after `flush()`. */
  readonly tables: HostBag[];
  private readonly worker: Worker;
  /** Per asked step: its resolvers until the worker answers, its promise until `result()` takes it. */
  private readonly results = new Map<number, PromiseWithResolvers<Float32Array[]>>();
  private readonly answers = new Map<number, Promise<Float32Array[]>>();
  private readonly flushes = new Map<number, PromiseWithResolvers<void>>();
  private failure: Error | null = null;
  private flushId = 0;

  /** Starts the worker with the bags and the training rows (copied to the worker once). */
  constructor(bags: PipelineBag[], rows: BagRows) {
    this.tables = bags.map((b) => {
      const shared = new Float32Array(new SharedArrayBuffer(b.table.byteLength));
      shared.set(b.table);
      return { name: b.name, table: shared, dim: b.table.length / b.rows };
    });
    this.worker = new Worker(new URL("./_bag_worker.ts", import.meta.url).href, { type: "module" });
    this.worker.onmessage = (event: MessageEvent<BagReply>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new Error(`Cannot train embedding bags: the worker failed (${event.message})`));
    };
    this.send({
      type: "init",
      bags: bags.map((b, i) => ({
        table: this.tables[i].table,
        rows: b.rows,
        options: b.options,
        dropout: b.dropout,
      })),
      rows,
    });
  }

  /** Asks for the bags' outputs of batch `step` (rows `idx`; `dropped`: the dropout rows of that batch). */
  forward(step: number, idx: Int32Array, dropped: BagRows | null): void {
    const pending = Promise.withResolvers<Float32Array[]>();
    this.results.set(step, pending);
    pending.promise.catch(() => {}); // a failure surfaces where result() is awaited, not as unhandled
    this.answers.set(step, pending.promise);
    this.send({ type: "forward", step, idx, dropped });
  }

  /** The outputs asked for by `forward(step, ...)`, one [batch, dim] array per bag. */
  result(step: number): Promise<Float32Array[]> {
    const answer = this.answers.get(step);
    if (!answer) return Promise.reject(new Error(`Cannot read bag outputs of step ${step}: never asked for`));
    this.answers.delete(step);
    return answer;
  }

  /** Queues the optimizer step of batch `step` from the gradients of its outputs. */
  update(step: number, dOuts: Float32Array[]): void {
    this.send({ type: "update", step, dOuts });
  }

  /** Resolves once everything asked so far is done (the tables are then stable). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.flushId;
    const pending = Promise.withResolvers<void>();
    this.flushes.set(id, pending);
    this.send({ type: "flush", id });
    return pending.promise;
  }

  close(): void {
    this.worker.terminate();
  }

  private send(msg: BagRequest): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(msg);
  }

  private receive(reply: BagReply): void {
    if (reply.type === "forward") {
      this.results.get(reply.step)?.resolve(reply.outs);
      this.results.delete(reply.step);
    } else if (reply.type === "flushed") {
      this.flushes.get(reply.id)?.resolve();
      this.flushes.delete(reply.id);
    } else {
      this.fail(new Error(`Cannot train embedding bags: ${reply.message}`));
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const pending of [...this.results.values(), ...this.flushes.values()]) pending.reject(error);
    this.results.clear();
    this.flushes.clear();
  }
}
