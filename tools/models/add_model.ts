/**
 * `deno task models add SOURCE [--name NAME]`: a Hugging Face / Optimum export (a local folder, or a hub
 * id when online) checked, opened once on the CPU provider, copied into `MODELS_DIR/NAME/` and recorded
 * (`model-record.json`: source, revision, task, every file's sha256, licence, dimension, maximum length,
 * pooling). The copy is staged in a temporary folder and renamed into place, so a folder under that name
 * is always whole; adding the same files again changes nothing, other files under a taken name fail.
 *
 * What is copied: config.json, the tokenizer (text) or preprocessor config (image), the
 * sentence-transformers modules (modules.json, the pooling config), the model card, and one ONNX graph
 * (`model.onnx` or `onnx/model.onnx`, a `*_quantized.onnx` when that is all there is; CLIP:
 * `vision_model.onnx`) with its external data, put under `onnx/`. Weights of other frameworks
 * (safetensors, PyTorch) are left behind: the pipeline runs the graph.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join, relative, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { pathExists } from "@/core/mod.ts";
import {
  type AddedModelRecord,
  createEncoder,
  createOrtSession,
  MODEL_NAME_RE,
  MODEL_RECORD_FILE,
  readHfTextRecipe,
  readModelRecord,
} from "@/encode/mod.ts";
import { folderSource, hubSource, type HubSourceOptions, isHubId, type ModelSource } from "./model_source.ts";

/** Options of {@linkcode addModel}. */
export interface AddModelOptions extends HubSourceOptions {
  /** The registry root models are added under (MODELS_DIR). */
  modelsDir: string;
  /** Name in `hf-text:NAME`. @default the folder's or hub repository's last path segment */
  name?: string;
  /** What the model encodes. @default image when it has preprocessor_config.json, else text */
  task?: "text" | "image";
}

export interface AddModelResult {
  record: AddedModelRecord;
  path: string;
  /** "unchanged": the same files were added under this name before. */
  status: "added" | "unchanged";
}

const SMALL_FILES = [
  "README.md",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "preprocessor_config.json",
  "modules.json",
  "sentence_bert_config.json",
  "config_sentence_transformers.json",
];
/** sentence-transformers modules the text encoder runs (others, e.g. Dense, would be silently skipped). */
const KNOWN_MODULES = /(^|\.)(Transformer|Pooling|Normalize)$/;
const LAYOUT = "config.json, tokenizer.json + tokenizer_config.json (text) or preprocessor_config.json " +
  "(image), model.onnx or onnx/model.onnx";

/** Adds the model at `source` (folder or hub id) to `options.modelsDir` (see the module doc). */
export async function addModel(source: string, options: AddModelOptions): Promise<AddModelResult> {
  const src = await openSource(source, options);
  const name = options.name ?? basename(src.label.replace(/\/+$/, ""));
  if (!MODEL_NAME_RE.test(name)) {
    throw new RangeError(
      `Cannot add model "${source}" as "${name}": a name is letters, digits, ".", "_", "-"; give --name NAME`,
    );
  }
  const modelsDir = resolve(options.modelsDir);
  await Deno.mkdir(modelsDir, { recursive: true });
  const stage = join(modelsDir, `.adding-${name}-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`);
  try {
    const fail = (what: string) => new Error(`Cannot add model "${source}": ${what}`);
    const got = async (path: string, dest = path) => await src.fetchTo(path, join(stage, dest));
    if (!(await got("config.json"))) {
      throw fail(
        `no config.json — not a Hugging Face model ${
          src.kind === "hub"
            ? `repository (or no such repository or revision "${options.revision ?? "main"}")`
            : "folder"
        } (expected ${LAYOUT})`,
      );
    }
    const present = new Set<string>(["config.json"]);
    for (const f of SMALL_FILES) if (await got(f)) present.add(f);
    const config = JSON.parse(await Deno.readTextFile(join(stage, "config.json")));
    const modelType = String(config.model_type ?? "unknown");
    const task = options.task ?? (present.has("preprocessor_config.json") ? "image" : "text");
    if (task === "text") {
      for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
        if (!present.has(f)) {
          throw fail(
            `missing tokenizer: no ${f} (a text model needs its fast tokenizer; ` +
              `AutoTokenizer.from_pretrained(ID).save_pretrained(FOLDER) writes tokenizer.json and tokenizer_config.json)`,
          );
        }
      }
      await fetchModules(stage, got, fail);
    } else if (!present.has("preprocessor_config.json")) {
      throw fail("no preprocessor_config.json (an image model needs its image processor's config)");
    }
    const stem = task === "image" && /^clip/.test(modelType) ? "vision_model" : "model";
    const modelFile = await fetchGraph(stem, got);
    if (!modelFile) {
      throw fail(
        `no ONNX graph (${stem}.onnx or onnx/${stem}.onnx): export one with ` +
          "`optimum-cli export onnx --model ID FOLDER` (expected " + LAYOUT + ")",
      );
    }
    await checkGraph(join(stage, modelFile), modelFile, fail);
    const facts = await probe(stage, task, fail);
    const files = await hashTree(stage);
    const record: AddedModelRecord = {
      name,
      source: src.label,
      revision: src.kind === "hub" ? options.revision ?? "main" : null,
      commit: src.commit(),
      task,
      files,
      model_file: modelFile,
      license: present.has("README.md") ? licenseOf(await Deno.readTextFile(join(stage, "README.md"))) : null,
      model_type: modelType,
      ...facts,
      added_at: new Date().toISOString(),
    };
    await Deno.writeTextFile(join(stage, MODEL_RECORD_FILE), JSON.stringify(record, null, 2) + "\n");
    const path = join(modelsDir, name);
    const before = await readModelRecord(path);
    if (before && sameFiles(before.files, files)) return { record: before, path, status: "unchanged" };
    if (before || (await pathExists(path))) {
      throw new Deno.errors.AlreadyExists(
        `Cannot add model "${source}" as "${name}": "${path}" holds ${
          before ? `other files (added from "${before.source}")` : "a folder that is not an added model"
        }; give another --name, or remove that folder first`,
      );
    }
    await Deno.rename(stage, path);
    return { record, path, status: "added" };
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

async function openSource(source: string, options: AddModelOptions): Promise<ModelSource> {
  if (await pathExists(resolve(source))) {
    if (!(await Deno.stat(resolve(source))).isDirectory) {
      throw new Error(
        `Cannot add model "${source}": it is a file; give the model's folder (expected ${LAYOUT})`,
      );
    }
    return folderSource(source);
  }
  if (isHubId(source)) return hubSource(source, options);
  throw new Error(
    `Cannot add model "${source}": no folder "${resolve(source)}", and it is not a hub id (org/name)`,
  );
}

/** The modules.json modules' files (the pooling config); a module the encoder cannot run fails. */
async function fetchModules(
  stage: string,
  got: (path: string) => Promise<boolean>,
  fail: (what: string) => Error,
): Promise<void> {
  let modules: { type?: string; path?: string }[];
  try {
    modules = JSON.parse(await Deno.readTextFile(join(stage, "modules.json")));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw fail(`modules.json is not JSON (${(err as Error).message})`);
  }
  for (const m of modules) {
    const type = String(m.type ?? "");
    if (!KNOWN_MODULES.test(type)) {
      throw fail(
        `sentence-transformers module "${type}" (${m.path}) is not supported: the encoder runs Transformer, Pooling and Normalize`,
      );
    }
    if (/Pooling$/.test(type) && !(await got(`${m.path}/config.json`))) {
      throw fail(`modules.json names a pooling module but "${m.path}/config.json" is missing`);
    }
  }
}

/** Copies the first ONNX graph found (and its external data) under onnx/; its path, or undefined. */
async function fetchGraph(
  stem: string,
  got: (path: string, dest?: string) => Promise<boolean>,
): Promise<string | undefined> {
  for (const file of [`${stem}.onnx`, `${stem}_quantized.onnx`]) {
    for (const at of [`onnx/${file}`, file]) {
      if (!(await got(at, `onnx/${file}`))) continue;
      for (const data of [`${at}_data`, `${at}.data`]) await got(data, `onnx/${basename(data)}`);
      return `onnx/${file}`;
    }
  }
  return undefined;
}

async function checkGraph(file: string, rel: string, fail: (what: string) => Error): Promise<void> {
  let info;
  try {
    info = await createOrtSession(file, { device: "cpu", threads: 1 });
  } catch (err) {
    const why = (err as Error).message.replace(
      /^Cannot open onnxruntime session for "[^"]*" on device "cpu": cpu: /,
      "",
    );
    throw fail(
      `onnxruntime cannot open "${rel}" on the CPU provider: ${why}. The file is damaged, or uses an operator ` +
        "or opset this onnxruntime (1.30) does not run: re-export it (`optimum-cli export onnx --opset 17`) " +
        "or take another export of the model",
    );
  }
  await info.session.release();
}

/** Opens the staged folder as the pipeline will and embeds one probe input. */
async function probe(stage: string, task: "text" | "image", fail: (what: string) => Error) {
  try {
    if (task === "text") {
      const recipe = await readHfTextRecipe(stage);
      const encoder = await createEncoder("text", `hf-text:${stage}`, { device: "cpu", threads: 1 });
      try {
        const [v] = await encoder.encode(["posttagger probe: ¿Qué tal? 你好"]);
        if (!v.every(Number.isFinite)) throw new Error("the probe sentence embeds to non-finite values");
        return {
          dim: encoder.dim,
          max_length: recipe.maxLength,
          pooling: recipe.pooling,
          normalize: recipe.normalize,
        };
      } finally {
        await encoder.close();
      }
    }
    const encoder = await createEncoder("image", `hf-image:${stage}`, { device: "cpu", threads: 1 });
    await encoder.close();
    return { dim: encoder.dim, max_length: null, pooling: null, normalize: null };
  } catch (err) {
    throw fail((err as Error).message.replaceAll(stage, "<staged copy>"));
  }
}

/** Every file under `dir` (path relative to it, "/"-separated) → sha256, sorted; the record left out. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: [string, string][] = [];
  async function walk(at: string) {
    for await (const e of Deno.readDir(at)) {
      const path = join(at, e.name);
      if (e.isDirectory) await walk(path);
      else if (e.isFile && path !== join(dir, MODEL_RECORD_FILE)) {
        out.push([relative(dir, path).split("\\").join("/"), await sha256File(path)]);
      }
    }
  }
  await walk(dir);
  return Object.fromEntries(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk); // the stream closes the file
  return hash.digest("hex");
}

/** `license:` of a model card's YAML front matter, or null. */
export function licenseOf(card: string): string | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(card);
  if (!m) return null;
  try {
    const meta = parseYaml(m[1]) as Record<string, unknown> | null;
    const l = meta?.license;
    return typeof l === "string" ? l : Array.isArray(l) ? l.join(", ") : null;
  } catch {
    return null;
  }
}

const sameFiles = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
