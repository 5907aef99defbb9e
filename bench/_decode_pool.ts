/**
 * Decoding on every core for bench/gpu.ts: a pool of workers, each decoding its share of a batch
 * (./_decode_worker_sharp.ts: the encoder's toRgbSquare; ./_decode_worker_turbo.ts: the preprocess
 * stage's decodeRgb). The question it answers: is the main thread, which also runs onnxruntime (whose
 * `run` blocks it), what limits decoding? On the H200 machine it was not: 16 sharp workers fed 409-425
 * photos/s against 469 from the main thread alone (2026-12-02), so it stays out of the product.
 *
 * @module
 */
import type { ImageInput } from "@/core/mod.ts";
import type { RgbSquareOptions } from "../src/encode/image/input.ts";
import type { DecodeReply, DecodeRequest } from "./_decode_worker_sharp.ts";

export type { DecodeReply, DecodeRequest };

/** Decodes batches of images on a pool of workers. */
export interface DecodePool {
  /** The workers in the pool. */
  readonly size: number;
  /** Decodes `inputs` into `size` x `size` RGB bytes (HWC), in input order; rejects with the first error. */
  decode(inputs: ImageInput[], size: number, options?: RgbSquareOptions): Promise<Uint8Array[]>;
  /** Stops the workers; decodes in flight reject. */
  close(): void;
}

/**
 * Starts `workers` decoding workers (default: one per core). `worker` names another worker module that
 * answers the same messages ({@linkcode DecodeRequest} → {@linkcode DecodeReply}), e.g. another decoder.
 */
export function createDecodePool(
  workers = navigator.hardwareConcurrency,
  worker: URL = new URL("./_decode_worker_sharp.ts", import.meta.url),
): DecodePool {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`Cannot start a decode pool of ${workers} workers: say a positive integer`);
  }
  const pending = new Map<number, PromiseWithResolvers<Uint8Array[]>>();
  let nextId = 0;
  let turn = 0;
  let closed = false;
  const pool = Array.from({ length: workers }, () => {
    const w = new Worker(worker.href, { type: "module" });
    w.onmessage = ({ data }: MessageEvent<DecodeReply>) => {
      const p = pending.get(data.id);
      if (!p) return;
      pending.delete(data.id);
      if ("error" in data) p.reject(new TypeError(data.error));
      else p.resolve(data.images);
    };
    w.onerror = (event) => {
      event.preventDefault();
      const err = new Error(`Cannot decode images: a decode worker failed (${event.message})`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    return w;
  });

  const ask = (inputs: ImageInput[], size: number, fit: DecodeRequest["fit"]): Promise<Uint8Array[]> => {
    const id = nextId++;
    const p = Promise.withResolvers<Uint8Array[]>();
    pending.set(id, p);
    pool[turn++ % pool.length].postMessage({ id, inputs, size, fit } satisfies DecodeRequest);
    return p.promise;
  };

  return {
    size: workers,
    async decode(inputs, size, options = {}) {
      if (closed) throw new Error("Cannot decode images: the decode pool is closed");
      const per = Math.ceil(inputs.length / pool.length);
      const parts: Promise<Uint8Array[]>[] = [];
      for (let i = 0; i < inputs.length; i += per) {
        parts.push(ask(inputs.slice(i, i + per), size, options.fit ?? "cover"));
      }
      return (await Promise.all(parts)).flat();
    },
    close() {
      if (closed) return;
      closed = true;
      for (const w of pool) w.terminate();
      const err = new Error("Cannot decode images: the decode pool is closed");
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    },
  };
}
