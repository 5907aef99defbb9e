/**
 * Writes model folders that need no network: the tiny Hugging Face layout test models and the
 * MobileNetV2 ONNX graph converted from the weights shipped in `nsfwjs`.
 *
 * @module
 */
import { join } from "node:path";
import { loadMobileNetWeights, MOBILENET_DEFAULT_LAYER } from "@/encode/mod.ts";
import { convertMobileNetToOnnx } from "./mobilenet_onnx.ts";
import { buildTinyImageModel, buildTinyTextModel } from "./tiny_models.ts";

/** The folders {@linkcode buildModelFolders} can write. */
export const MODEL_FOLDERS = ["tiny-text", "tiny-image", "mobilenet-v2"] as const;
export type ModelFolder = (typeof MODEL_FOLDERS)[number];

/** Options of {@linkcode buildModelFolders}. */
export interface BuildModelFoldersOptions {
  /** Which folders to write. @default all of {@linkcode MODEL_FOLDERS} */
  only?: ModelFolder[];
  /** MobileNetV2 layer ending the graph. @default "flatten_1" */
  mobilenetLayer?: string;
}

/** One written folder: its name, path, total size in bytes, and what to pass to `createEncoder`. */
export interface BuiltFolder {
  name: ModelFolder;
  path: string;
  bytes: number;
  encoder: string;
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    total += e.isDirectory ? await folderSize(p) : (await Deno.stat(p)).size;
  }
  return total;
}

/** Writes the chosen model folders under `outDir` (e.g. `data/models`), replacing files there. */
export async function buildModelFolders(
  outDir: string,
  options: BuildModelFoldersOptions = {},
): Promise<BuiltFolder[]> {
  const { only = [...MODEL_FOLDERS], mobilenetLayer = MOBILENET_DEFAULT_LAYER } = options;
  const built: BuiltFolder[] = [];
  for (const name of only) {
    const path = join(outDir, name);
    let encoder: string;
    if (name === "tiny-text") {
      await buildTinyTextModel(path);
      encoder = `hf-text:${path}`;
    } else if (name === "tiny-image") {
      await buildTinyImageModel(path);
      encoder = `hf-image:${path}`;
    } else if (name === "mobilenet-v2") {
      const weights = await loadMobileNetWeights();
      const { bytes, dim } = convertMobileNetToOnnx(weights, { layer: mobilenetLayer });
      await Deno.mkdir(path, { recursive: true });
      await Deno.writeFile(join(path, "model.onnx"), bytes);
      await Deno.writeTextFile(
        join(path, "meta.json"),
        JSON.stringify(
          {
            source:
              `nsfwjs@${weights.packageVersion} mobilenet_v2 (ImageNet; blocks 11+ retrained by nsfwjs)`,
            weights_sha256: weights.hash,
            layer: mobilenetLayer,
            dim,
            input: { name: "input", layout: "NCHW", shape: ["batch", 3, 224, 224], range: "RGB / 255" },
            output: "embedding",
          },
          null,
          2,
        ) + "\n",
      );
      encoder = "mobilenet-v2";
    } else {
      throw new RangeError(
        `Cannot build model folder "${name}": known folders are ${MODEL_FOLDERS.join(", ")}`,
      );
    }
    built.push({ name, path, bytes: await folderSize(path), encoder });
  }
  return built;
}
