/**
 * What builds model files the pipeline loads: the MobileNetV2 ONNX graph of the default image encoder,
 * and the offline model folders (tiny Hugging Face layout test models, MobileNetV2 as a folder).
 * `deno task models build` runs it; the scripts that need an image encoder call
 * {@linkcode ensureEncoderFiles} first, so a fresh machine needs nothing else.
 *
 * @module
 */
import type { Settings } from "@/config/mod.ts";
import { imageLayoutFor } from "@/encode/mod.ts";
import { buildMobileNetOnnx } from "./mobilenet_onnx.ts";

export { buildModelFolders, type BuiltFolder, MODEL_FOLDERS, type ModelFolder } from "./model_folders.ts";
export { addModel, type AddModelOptions, type AddModelResult, hashTree, licenseOf } from "./add_model.ts";
export { folderSource, hubSource, isHubId, type ModelSource } from "./model_source.ts";
export { buildMobileNetOnnx, convertMobileNetToOnnx } from "./mobilenet_onnx.ts";
export { buildTinyImageModel, buildTinyTextModel } from "./tiny_models.ts";

/**
 * Builds the default image encoder's graph into the settings' encoder cache unless it is there (and, for
 * a GPU `ENCODER_DEVICE`, the graph that takes decoded bytes); returns the graph the settings' device
 * loads and whether it was built now (the first run on a machine takes a few seconds).
 */
export async function ensureEncoderFiles(settings: Settings): Promise<{ path: string; built: boolean }> {
  const float = await buildMobileNetOnnx(settings.encoderCacheDir);
  const layout = imageLayoutFor(settings.encoderDevice ?? "cpu");
  if (layout === "nchw") return { path: float.path, built: float.built };
  const bytes = await buildMobileNetOnnx(settings.encoderCacheDir, { layout });
  return { path: bytes.path, built: float.built || bytes.built };
}
