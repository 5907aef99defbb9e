/**
 * Where the MobileNetV2 ONNX graph lives and what it is: the contract between the converter that
 * builds it (`deno task models build`, tools/models/) and the encoder that loads it (./mobilenet.ts).
 *
 * @module
 */
import { join } from "node:path";
import { encoderCacheDir } from "@/config/mod.ts";
import { MOBILENET_DEFAULT_LAYER, type MobileNetWeights } from "./mobilenet_weights.ts";

/** Bump when the conversion changes its output; invalidates built .onnx files. */
export const CONVERTER_VERSION = "1";

/** The graph's input side. */
export const MOBILENET_SIZE = 224;
const DEFAULT_CACHE_DIR = encoderCacheDir("data");

/** The graph's options (tools/models converts the weights into it). */
export interface MobileNetGraphOptions {
  /** Layer whose output is the embedding. @default "flatten_1" */
  layer?: string;
  /**
   * Input layout of the graph: `"nchw"` (`[batch, 3, 224, 224]`, JS transposes while scaling) or
   * `"nhwc"` (`[batch, 224, 224, 3]`, a Transpose node in the graph). @default "nchw"
   */
  layout?: "nchw" | "nhwc";
}

/** Where the converted graph for these weights and options lives under `cacheDir`. */
export function mobileNetOnnxFile(
  weights: MobileNetWeights,
  options: MobileNetGraphOptions & { cacheDir?: string } = {},
): string {
  const { layer = MOBILENET_DEFAULT_LAYER, layout = "nchw", cacheDir = DEFAULT_CACHE_DIR } = options;
  const key = `${weights.hash.slice(0, 16)}-c${CONVERTER_VERSION}-${layer}-${layout}`;
  return join(cacheDir, `mobilenet_v2-${key}.onnx`);
}

/**
 * Returns the path and embedding size of the built graph for these options.
 *
 * @throws {Error} naming `deno task models build` when it has not been built on this machine.
 */
export async function mobileNetOnnxPath(
  weights: MobileNetWeights,
  options: MobileNetGraphOptions & { cacheDir?: string } = {},
): Promise<{ path: string; dim: number }> {
  const path = mobileNetOnnxFile(weights, options);
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${path}.json`)) as { dim: number };
    await Deno.stat(path);
    return { path, dim: meta.dim };
  } catch {
    const { layer = MOBILENET_DEFAULT_LAYER, layout = "nchw" } = options;
    throw new Error(
      `Cannot load MobileNetV2 "${path}": it is not built yet (layer "${layer}", layout "${layout}"): ` +
        `run deno task models build` +
        (layer === MOBILENET_DEFAULT_LAYER && layout === "nchw"
          ? ""
          : ` --layer ${layer} --layout ${layout}`),
    );
  }
}
