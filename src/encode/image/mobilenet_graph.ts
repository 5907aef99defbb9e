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
   * Input of the graph: `"nchw"` (float `[batch, 3, 224, 224]` in [0, 1], JS transposes while scaling),
   * `"nhwc"` (float `[batch, 224, 224, 3]`, a Transpose node in the graph) or `"nhwc-u8"` (the decoded
   * bytes as they are, uint8 `[batch, 224, 224, 3]`: Cast and Transpose in the graph, the 1/255 scale
   * folded into the first conv; a quarter of the bytes to copy to a GPU and no float pass on the host).
   * @default "nchw"
   */
  layout?: MobileNetLayout;
  /**
   * Weights and activations: `"fp32"`, or `"fp16"` (half the memory traffic on a GPU; the embedding
   * is still float32, within 1e-2 cosine of fp32). @default "fp32"
   */
  precision?: "fp32" | "fp16";
}

/** Input layouts of the graph (see {@linkcode MobileNetGraphOptions.layout}). */
export type MobileNetLayout = "nchw" | "nhwc" | "nhwc-u8";
/** The layouts, for option checks. */
export const MOBILENET_LAYOUTS: readonly MobileNetLayout[] = ["nchw", "nhwc", "nhwc-u8"];

/** Where the converted graph for these weights and options lives under `cacheDir`. */
export function mobileNetOnnxFile(
  weights: MobileNetWeights,
  options: MobileNetGraphOptions & { cacheDir?: string } = {},
): string {
  const {
    layer = MOBILENET_DEFAULT_LAYER,
    layout = "nchw",
    precision = "fp32",
    cacheDir = DEFAULT_CACHE_DIR,
  } = options;
  const key = `${weights.hash.slice(0, 16)}-c${CONVERTER_VERSION}-${layer}-${layout}${
    precision === "fp32" ? "" : `-${precision}`
  }`;
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
    const { layer = MOBILENET_DEFAULT_LAYER, layout = "nchw", precision = "fp32" } = options;
    throw new Error(
      `Cannot load MobileNetV2 "${path}": it is not built yet (layer "${layer}", layout "${layout}", ` +
        `precision "${precision}"): run deno task models build` +
        (layer === MOBILENET_DEFAULT_LAYER && layout === "nchw"
          ? ""
          : ` --layer ${layer} --layout ${layout}`) +
        (precision === "fp32" ? "" : ` --precision ${precision}`),
    );
  }
}
