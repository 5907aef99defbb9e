/**
 * The options every pipeline stage opens its encoders with, from the settings, so a worker, a training
 * run and an inference run open the same encoder the same way.
 *
 * On a GPU (`ENCODER_DEVICE` other than cpu) MobileNetV2 takes its `nhwc-u8` graph — the decoded bytes go
 * to the device as they are, a quarter of the float copy that dominated a WebGPU run — and batches of
 * 256 (the best measured batch on the H200, `deno task bench gpu`). That graph's embeddings equal the
 * float graph's within 1e-4, so both share the feature cache. The hf encoders read `device` and ignore
 * the rest.
 *
 * @module
 */
import type { Settings } from "@/config/mod.ts";
import type { EncoderOptions } from "./encoder.ts";

/** The MobileNetV2 graph layout a device needs (built by `deno task models build --layout ...`). */
export function imageLayoutFor(device: Settings["encoderDevice"]): "nchw" | "nhwc-u8" {
  return device === "cpu" ? "nchw" : "nhwc-u8";
}

/** Options for `createEncoder` from the settings (cache and model folders, device, GPU batching). */
export function encoderOptions(
  settings: Pick<Settings, "encoderCacheDir" | "modelsDir"> & Partial<Pick<Settings, "encoderDevice">>,
): EncoderOptions {
  const device = settings.encoderDevice ?? "cpu";
  return {
    cacheDir: settings.encoderCacheDir,
    modelsDir: settings.modelsDir,
    device,
    ...(device === "cpu" ? {} : { layout: imageLayoutFor(device), batchSize: 256 }),
  };
}
