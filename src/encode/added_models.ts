/**
 * Pretrained models added with `deno task models add SOURCE --name NAME`: each lies in `MODELS_DIR/NAME/`
 * beside a record (`model-record.json`: where it came from, its task, every file's sha256, licence,
 * dimension, maximum length, pooling). `hf-text:NAME` and `hf-image:NAME` resolve here; a name that is
 * not a folder path and was never added fails with the command that adds it.
 *
 * @module
 */
import { join, resolve } from "node:path";

/** The record's file name inside an added model's folder. */
export const MODEL_RECORD_FILE = "model-record.json";

/** What `models add` wrote about a model. */
export interface AddedModelRecord {
  name: string;
  /** The folder or hub id it was added from. */
  source: string;
  /** Hub revision asked for and the commit the hub resolved it to; null for a local folder. */
  revision: string | null;
  commit: string | null;
  task: "text" | "image";
  /** Every file of the folder (path relative to it, "/"-separated) and its sha256, sorted by path. */
  files: Record<string, string>;
  /** The ONNX graph the encoder opens, relative to the folder. */
  model_file: string;
  /** `license:` of the model card's front matter; null when the card says none. */
  license: string | null;
  model_type: string;
  dim: number;
  /** Text models: tokens per text. */
  max_length: number | null;
  /** Text models: pooling of the token states and whether the vectors are L2-normalized. */
  pooling: string | null;
  normalize: boolean | null;
  added_at: string;
}

/** A name `models add` accepts: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The record of the model folder `dir`, or undefined when it has none. */
export async function readModelRecord(dir: string): Promise<AddedModelRecord | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, MODEL_RECORD_FILE));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as AddedModelRecord;
  } catch (err) {
    throw new SyntaxError(
      `Cannot read model record "${join(dir, MODEL_RECORD_FILE)}": not JSON (${(err as Error).message})`,
    );
  }
}

/** The sha256 of the ONNX graph an added model runs: what keys its cached embeddings. */
export function modelHash(record: AddedModelRecord): string {
  return record.files[record.model_file] ?? "";
}

/** The records of every model added under `modelsDir`, by name. */
export async function addedModels(modelsDir: string): Promise<AddedModelRecord[]> {
  const out: AddedModelRecord[] = [];
  try {
    for await (const e of Deno.readDir(modelsDir)) {
      if (!e.isDirectory || e.name.startsWith(".")) continue;
      const record = await readModelRecord(join(modelsDir, e.name)).catch(() => undefined);
      if (record) out.push(record);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Where an encoder name's argument points: an added model (with its record) or a plain folder. */
export interface ResolvedModel {
  folder: string;
  record?: AddedModelRecord;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Resolves the argument of `kind:arg` (e.g. `hf-text:minilm`): an added model's name under `modelsDir`
 * first, else a folder path.
 *
 * @throws {RangeError} when `arg` is neither, naming `deno task models add`; or when the added model is
 *   of the other task.
 */
export async function resolveModel(
  kind: "hf-text" | "hf-image",
  arg: string,
  modelsDir?: string,
): Promise<ResolvedModel> {
  const task = kind === "hf-text" ? "text" : "image";
  if (modelsDir && MODEL_NAME_RE.test(arg)) {
    const folder = resolve(modelsDir, arg);
    const record = await readModelRecord(folder);
    if (record) {
      if (record.task !== task) {
        throw new RangeError(
          `Cannot create encoder "${kind}:${arg}": model "${arg}" was added as a ${record.task} model; ` +
            `name it as "hf-${record.task}:${arg}"`,
        );
      }
      return { folder, record };
    }
  }
  if (await isDir(resolve(arg))) {
    return { folder: resolve(arg), record: await readModelRecord(resolve(arg)) };
  }
  const added = modelsDir ? (await addedModels(modelsDir)).filter((r) => r.task === task) : [];
  const where = modelsDir
    ? ` in MODELS_DIR "${modelsDir}" (added ${task} models: ${
      added.map((r) => `"${kind}:${r.name}"`).join(", ") || "none"
    })`
    : " (no MODELS_DIR given)";
  throw new RangeError(
    `Cannot create encoder "${kind}:${arg}": no model "${arg}"${where} and no folder "${resolve(arg)}"; ` +
      `add it with \`deno task models add SOURCE --name ${
        MODEL_NAME_RE.test(arg) ? arg : "NAME"
      }\` (SOURCE: a downloaded Hugging Face folder, or a hub id like org/name when online)`,
  );
}
