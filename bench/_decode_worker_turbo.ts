/**
 * A worker of ./_decode_pool.ts (the protocol of ./_decode_worker_sharp.ts) that decodes as
 * the pipeline's preprocess stage does: `decodeRgb` (libjpeg-turbo's DCT-scaled decode through FFI when
 * the library is there, then sharp's resize and centre crop).
 *
 * @module
 */
import type { DecodeReply, DecodeRequest } from "./_decode_pool.ts";
import { decodeRgb } from "../src/preprocess/image.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: { id, inputs, size } }) => {
  try {
    const images = await Promise.all(inputs.map(async (input) => {
      if (typeof input !== "string" && !(input instanceof Uint8Array)) throw new TypeError("raw input");
      const { data } = await decodeRgb(input, size);
      return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    }));
    scope.postMessage({ id, images }, images.map((img) => img.buffer));
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
