/**
 * A worker of ./_decode_pool.ts: decodes and resizes images with {@linkcode toRgbSquare} and sends the
 * pixels back (their buffers transferred, not copied).
 *
 * @module
 */
import type { ImageInput } from "@/core/mod.ts";
import { type RgbSquareOptions, toRgbSquare } from "../src/encode/image/input.ts";

/** What the pool asks. */
export interface DecodeRequest {
  id: number;
  inputs: ImageInput[];
  size: number;
  fit: NonNullable<RgbSquareOptions["fit"]>;
}

/** What the worker answers: the pixels in input order, or the first image's error. */
export type DecodeReply = { id: number; images: Uint8Array[] } | { id: number; error: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: { id, inputs, size, fit } }) => {
  try {
    const images = await Promise.all(inputs.map((input) => toRgbSquare(input, size, { fit })));
    // A buffer from sharp may be shared with others (a pool slice): copy into its own before sending.
    const own = images.map((img) =>
      img.byteOffset === 0 && img.byteLength === img.buffer.byteLength ? img : img.slice()
    );
    scope.postMessage({ id, images: own }, own.map((img) => img.buffer));
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
