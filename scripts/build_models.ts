/**
 * Builds model folders that need no network into a folder: the tiny Hugging Face layout text and image
 * models (test fixtures for the hf-text / hf-image code paths) and the MobileNetV2 ONNX graph converted
 * from the weights shipped in the npm package nsfwjs.
 *
 * Usage:
 *   deno run -A scripts/build_models.ts [--out data/models] [--only tiny-text,tiny-image,mobilenet-v2]
 *                                       [--layer flatten_1]
 */
import { buildModelFolders, MODEL_FOLDERS, type ModelFolder } from "@/encode/model_folders.ts";
import { parseCli, run } from "./_cli.ts";

export async function main(args: string[]): Promise<void> {
  const { values } = parseCli(args, import.meta.url, {
    out: { type: "string", default: "data/models", help: "folder the model folders are written to" },
    only: {
      type: "string",
      default: MODEL_FOLDERS.join(","),
      help: "comma-separated model folders to build",
    },
    layer: { type: "string", default: "flatten_1", help: "MobileNetV2 layer whose output is the embedding" },
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

if (import.meta.main) await run(main);
