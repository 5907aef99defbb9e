/**
 * Pretrained text encoder: any sentence-embedding or BERT-like model in a local folder in Hugging Face
 * layout, run through `@huggingface/transformers` (onnxruntime-node underneath). Token states
 * (`last_hidden_state`) are mean-pooled over the attention mask (padding excluded) and L2-normalized,
 * as sentence-transformers does for its mean-pooling models.
 *
 * Folder layout (what `huggingface-cli download <id>` or a transformers.js-ready repo gives):
 * ```
 * <folder>/config.json             model_type (e.g. "bert", "xlm-roberta")
 * <folder>/tokenizer.json          fast-tokenizer file
 * <folder>/tokenizer_config.json
 * <folder>/onnx/model.onnx         fp32; or onnx/model_quantized.onnx (int8, picked when model.onnx is absent)
 * ```
 *
 * Good choices (download once on a machine with internet, copy the folder):
 * - `Xenova/paraphrase-multilingual-MiniLM-L12-v2` (384-d, 50+ languages, ~120 MB quantized): the default
 *   for multilingual social-media text.
 * - `Xenova/multilingual-e5-small` (384-d, ~100 languages; prefix texts with "query: ").
 * - `Xenova/all-MiniLM-L6-v2` (384-d, English only, fastest).
 *
 * Network: the loader reads local files only (`env.allowRemoteModels = false`) unless the caller passes
 * `allowDownload: true`, in which case `folder` may also be a hub id such as the ones above.
 *
 * @module
 */
import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type Tensor } from "@huggingface/transformers";
import { resolve } from "node:path";
import { l2Normalize } from "../_vector.ts";
import type { Encoder } from "../encoder.ts";

/** Options of {@linkcode createHfTextEncoder}. */
export interface HfTextOptions {
  /** Let transformers.js fetch missing files from the Hugging Face hub. @default false */
  allowDownload?: boolean;
  /** Weights variant: "fp32" reads onnx/model.onnx, "q8" onnx/model_quantized.onnx. @default auto (fp32 if present) */
  dtype?: "fp32" | "q8";
  /** Tokens per text, longer texts are truncated. @default 256 */
  maxLength?: number;
  /** Texts per forward pass. @default 32 */
  batchSize?: number;
  /** onnxruntime intra-op threads. @default 2 */
  threads?: number;
  /** L2-normalize the pooled vectors. @default true */
  normalize?: boolean;
}

/** The `[batch, seq, hidden]` states mean-pooled over positions where `mask` is non-zero. */
export function meanPool(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  dims: [batch: number, seq: number, hidden: number],
): Float32Array[] {
  const [b, s, h] = dims;
  const out: Float32Array[] = [];
  for (let i = 0; i < b; i++) {
    const v = new Float32Array(h);
    let count = 0;
    for (let t = 0; t < s; t++) {
      if (Number(mask[i * s + t]) === 0) continue;
      count++;
      const base = (i * s + t) * h;
      for (let j = 0; j < h; j++) v[j] += states[base + j];
    }
    if (count > 0) { for (let j = 0; j < h; j++) v[j] /= count; }
    out.push(v);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a local Hugging Face model folder; throws an error naming the missing files and where to put
 * them. Returns the weights variant found ("fp32" or "q8").
 */
export async function checkHfFolder(
  folder: string,
  kind: "text" | "image",
  modelFile = "model",
): Promise<"fp32" | "q8"> {
  const need = kind === "text"
    ? ["config.json", "tokenizer.json", "tokenizer_config.json"]
    : ["config.json", "preprocessor_config.json"];
  const missing: string[] = [];
  for (const f of need) if (!(await exists(resolve(folder, f)))) missing.push(f);
  const fp32 = await exists(resolve(folder, "onnx", `${modelFile}.onnx`));
  const q8 = await exists(resolve(folder, "onnx", `${modelFile}_quantized.onnx`));
  if (!fp32 && !q8) missing.push(`onnx/${modelFile}.onnx (or onnx/${modelFile}_quantized.onnx)`);
  if (missing.length > 0) {
    const example = kind === "text"
      ? "Xenova/paraphrase-multilingual-MiniLM-L12-v2"
      : "Xenova/clip-vit-base-patch32";
    throw new Error(
      `Cannot load ${kind} model from folder "${resolve(folder)}": missing ${
        missing.map((m) => `"${m}"`).join(", ")
      }. Put a Hugging Face model in transformers.js layout there (config.json, ${
        need.slice(1).join(", ")
      }, ` +
        `onnx/${modelFile}.onnx), e.g. on a machine with internet: ` +
        `\`huggingface-cli download ${example} --local-dir ${folder}\`, then copy the folder; ` +
        `or pass allowDownload: true.`,
    );
  }
  return fp32 ? "fp32" : "q8";
}

/**
 * Points transformers.js at local files (and the network only if `allowDownload`), then resolves the
 * model path: an absolute folder path, or a hub id when downloading is allowed and no such folder exists.
 */
export async function prepareHfSource(
  folder: string,
  kind: "text" | "image",
  options: { allowDownload?: boolean; dtype?: "fp32" | "q8"; modelFile?: string } = {},
): Promise<{ path: string; dtype: "fp32" | "q8"; fingerprint: string }> {
  const { allowDownload = false, modelFile = "model" } = options;
  env.allowLocalModels = true;
  env.allowRemoteModels = allowDownload;
  const abs = resolve(folder);
  if (allowDownload && !(await exists(abs))) {
    return { path: folder, dtype: options.dtype ?? "q8", fingerprint: `hub-${folder}` };
  }
  const found = await checkHfFolder(abs, kind, modelFile);
  const dtype = options.dtype ?? found;
  return { path: abs, dtype, fingerprint: await fingerprint(abs, modelFile, dtype) };
}

/** A short hash of config.json's text and the model file's size: changes when the folder's model changes. */
async function fingerprint(folder: string, modelFile: string, dtype: "fp32" | "q8"): Promise<string> {
  const file = resolve(folder, "onnx", `${modelFile}${dtype === "q8" ? "_quantized" : ""}.onnx`);
  let size = -1;
  try {
    size = (await Deno.stat(file)).size;
  } catch {
    // reported when the model loads
  }
  const text = (await Deno.readTextFile(resolve(folder, "config.json"))) + `\n${size}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(resolve(path, "config.json")));
  } catch {
    return {};
  }
}

/** Loads a Hugging Face layout text model from `folder` (see the module doc). */
export async function createHfTextEncoder(
  folder: string,
  options: HfTextOptions = {},
): Promise<Encoder<"text">> {
  const { allowDownload = false, maxLength = 256, batchSize = 32, threads = 2, normalize = true } = options;
  const { path, dtype, fingerprint } = await prepareHfSource(folder, "text", {
    allowDownload,
    dtype: options.dtype,
  });
  const local = { local_files_only: !allowDownload };
  const tokenizer = await AutoTokenizer.from_pretrained(path, local);
  const model: PreTrainedModel = await AutoModel.from_pretrained(path, {
    ...local,
    dtype,
    device: "cpu",
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const config = await readConfig(path);
  const hidden = Number(config.hidden_size ?? config.d_model ?? config.dim ?? 0);
  const name = folder.replace(/\/+$/, "").split("/").pop() ?? folder;
  const id = `hf-text:${name}`;
  let closed = false;

  async function run(texts: string[]): Promise<Float32Array[]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxLength });
    const outputs = await model(inputs) as Record<string, Tensor>;
    const states = outputs.last_hidden_state ?? outputs.token_embeddings;
    if (!states) {
      throw new Error(
        `Cannot encode with "${id}": the model returned no last_hidden_state (outputs: ${
          Object.keys(outputs).join(", ")
        })`,
      );
    }
    const mask = inputs.attention_mask as Tensor;
    const pooled = meanPool(
      states.data as Float32Array,
      mask.data as BigInt64Array,
      states.dims as [
        number,
        number,
        number,
      ],
    );
    return normalize ? pooled.map(l2Normalize) : pooled;
  }

  // Probe once so `dim` is right even when config.json has no hidden size.
  const dim = hidden > 0 ? hidden : (await run(["dim probe"]))[0].length;
  return {
    id,
    version: `${config.model_type ?? "unknown"}-${fingerprint}+${dtype}+mean${
      normalize ? "-l2" : ""
    }+max${maxLength}`,
    modality: "text",
    dim,
    async encode(batch: string[]): Promise<Float32Array[]> {
      if (closed) throw new Error(`Cannot encode with "${id}": the encoder is closed`);
      const out: Float32Array[] = [];
      for (let i = 0; i < batch.length; i += batchSize) out.push(...await run(batch.slice(i, i + batchSize)));
      return out;
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await model.dispose();
      }
    },
  };
}
