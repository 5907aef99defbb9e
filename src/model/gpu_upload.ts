/**
 * Host-to-GPU tensor upload for the webgpu backend through `queue.writeBuffer`.
 *
 * Why: tfjs-backend-webgpu uploads through a buffer mapped at creation (`getMappedRange().set()`), which
 * ran at ~35 MB/s under Deno on an H200 — slower than the CPU computes. `writeBuffer` hands the bytes to
 * the queue in one call. On any other backend this is plain `tf.tensor`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The part of tfjs-backend-webgpu's backend object used here. */
interface WebGpuBackendLike {
  device: GPUDevice;
}

/** A float32 tensor of `shape` holding `values`; on webgpu written straight into a GPU buffer. */
export function uploadFloat32(values: Float32Array, shape: number[]): tf.Tensor {
  if (tf.getBackend() !== "webgpu") return tf.tensor(values, shape, "float32");
  const { device } = tf.backend() as unknown as WebGpuBackendLike;
  // writeBuffer wants a multiple of 4 bytes; float32 always is. Buffers of size 0 are not allowed.
  const buffer = device.createBuffer({
    size: Math.max(4, values.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  // Without zeroCopy tfjs copies the buffer on the GPU into one it manages, so ours can go at once.
  const tensor = tf.tensor({ buffer }, shape, "float32");
  buffer.destroy();
  return tensor;
}
