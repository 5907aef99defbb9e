/**
 * Model files: build those that need no network, add pretrained ones.
 *
 *   deno task models build [--out data/models] [--only tiny-text,tiny-image,mobilenet-v2] [--layer flatten_1]
 *                          [--layout nchw|nhwc|nhwc-u8] [--precision fp32|fp16]
 *   deno task models add SOURCE [--name NAME] [--revision main] [--task text|image]
 *   deno task models list                 the models added to MODELS_DIR, with licence and graph hash
 *
 * `add` takes a Hugging Face / Optimum export — a local folder (config.json, tokenizer.json or
 * preprocessor_config.json, model.onnx or onnx/model.onnx, the sentence-transformers modules, the model
 * card) or a hub id `org/name` when online (HF_ENDPOINT for a mirror, HF_TOKEN for gated models) —
 * checks it, opens it once on the CPU provider, copies it into MODELS_DIR/NAME with a record of its files'
 * sha256, licence, dimension, maximum length and pooling. Name it in training as
 * `deno task train --text-encoder hf-text:NAME` (images: `--image-encoder hf-image:NAME`). Rerunning it
 * with the same files changes nothing.
 *
 * `build` converts MobileNetV2 (the default image encoder, weights shipped in the npm package nsfwjs) into
 * the ONNX graph the pipeline loads (under DATA_DIR/cache/encoders, also for `--layer`), and writes the
 * offline model folders into `--out`: the tiny Hugging Face layout text and image models (fixtures for the
 * hf-text / hf-image code paths) and MobileNetV2 as a folder.
 */
import { loadSettings } from "@/config/mod.ts";
import { addedModels, MOBILENET_LAYOUTS } from "@/encode/mod.ts";
import {
  addModel,
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
    name: {
      type: "string",
      help: "add: the name in hf-text:NAME (default: the folder's or repository's name)",
    },
    revision: { type: "string", default: "main", help: "add: hub branch, tag or commit" },
    task: {
      type: "string",
      help: "add: text or image (default: image when it has preprocessor_config.json)",
    },
  }, { allowPositionals: true });
  const [command] = positionals;
  if (command === "list") {
    const dir = loadSettings().modelsDir;
    const records = await addedModels(dir);
    if (records.length === 0) console.log(`no models added to ${dir} yet: deno task models add SOURCE`);
    for (const r of records) {
      console.log(
        `hf-${r.task}:${r.name}  ${r.model_type} ${r.dim}-d  licence ${r.license ?? "?"}  ` +
          `${r.model_file} ${r.files[r.model_file]?.slice(0, 12)}  from ${r.source}${
            r.commit ? `@${r.commit}` : ""
          }`,
      );
    }
    return 0;
  }
  if (command === "add") {
    if (positionals.length !== 2) {
      throw new UsageError(`Cannot run "models ${positionals.join(" ")}": say "deno task models add SOURCE"`);
    }
    if (values.task !== undefined && values.task !== "text" && values.task !== "image") {
      throw new UsageError(`Cannot add with task "${values.task}": say text or image`);
    }
    const settings = loadSettings();
    const { record, path, status } = await addModel(positionals[1], {
      modelsDir: settings.modelsDir,
      name: values.name,
      revision: values.revision,
      task: values.task as "text" | "image" | undefined,
      endpoint: settings.hfEndpoint,
      token: Deno.env.get("HF_TOKEN") || undefined,
    });
    console.log(
      `${
        status === "added" ? "added" : "already added (same files)"
      }: hf-${record.task}:${record.name}  ${path}`,
    );
    console.log(
      `  ${record.model_type}, ${record.dim}-d${
        record.task === "text"
          ? `, max ${record.max_length} tokens, ${record.pooling} pooling${
            record.normalize ? ", L2-normalized" : ""
          }`
          : ""
      }, licence ${record.license ?? "not stated in the model card"}`,
    );
    console.log(
      `  ${Object.keys(record.files).length} files, graph ${record.model_file} sha256 ${
        record.files[record.model_file]
      }`,
    );
    return 0;
  }
  if (command !== "build" || positionals.length > 1) {
    throw new UsageError(
      `Cannot run "models ${
        positionals.join(" ")
      }": say "deno task models build", "add SOURCE" or "list" (see --help)`,
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
