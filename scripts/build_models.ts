/**
 * Builds model folders that need no network into a folder: the tiny Hugging Face layout text and image
 * models (test fixtures for the hf-text / hf-image code paths) and the MobileNetV2 ONNX graph converted
 * from the weights shipped in the npm package nsfwjs.
 *
 * Usage:
 *   deno run -A scripts/build_models.ts [--out data/models] [--only tiny-text,tiny-image,mobilenet-v2]
 *                                       [--layer flatten_1]
 */
import { parseArgs } from "node:util";
import { buildModelFolders, MODEL_FOLDERS, type ModelFolder } from "@/encode/model_folders.ts";

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string", default: "data/models" },
      only: { type: "string", default: MODEL_FOLDERS.join(",") },
      layer: { type: "string", default: "flatten_1" },
    },
    strict: true,
  });
  const only = values.only.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of only) {
    if (!(MODEL_FOLDERS as readonly string[]).includes(name)) {
      throw new RangeError(
        `Cannot build model folder "${name}": known folders are ${MODEL_FOLDERS.join(", ")}`,
      );
    }
  }
  const built = await buildModelFolders(values.out, {
    only: only as ModelFolder[],
    mobilenetLayer: values.layer,
  });
  for (const b of built) {
    console.log(
      `${b.name.padEnd(14)} ${
        (b.bytes / 1024).toFixed(0).padStart(7)
      } KiB  ${b.path}  (encoder "${b.encoder}")`,
    );
  }
}

if (import.meta.main) await main(Deno.args);
