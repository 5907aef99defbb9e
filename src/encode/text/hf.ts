/**
 * Pretrained text encoder: any sentence-embedding or BERT-like model in a local folder in Hugging Face
 * layout: tokenized by its `tokenizer.json` (./hf_tokenize.ts, ids equal to the Python tokenizers'), run
 * on onnxruntime-node through the session factory (../ort_session.ts: cuda, webgpu or cpu, said in
 * `runtime`), token states (`last_hidden_state`) pooled over the attention mask and normalized as the
 * folder's sentence-transformers modules say (./hf_config.ts). Proven against PyTorch on exported BERT
 * (WordPiece) and XLM-R (Unigram) fixtures: tests/fixtures/hf/, tests/hf_parity_test.ts.
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
 * Network: text models are read from local folders only (`deno task models add` checks and records one).
 *
 * @module
 */
import { env } from "@huggingface/transformers";
import * as ort from "onnxruntime-node";
import { resolve } from "node:path";
import { pathExists } from "@/core/mod.ts";
import { l2Normalize } from "../_vector.ts";
import type { Encoder } from "../encoder.ts";
import { createOrtSession, describeProvider, type OrtDevice } from "../ort_session.ts";
import { poolStates, readHfTextRecipe, type TextPooling } from "./hf_config.ts";
import { loadHfTokenizer } from "./hf_tokenize.ts";

/** Options of {@linkcode createHfTextEncoder}. */
export interface HfTextOptions {
  /** Let transformers.js fetch missing files from the Hugging Face hub (image models only). @default false */
  allowDownload?: boolean;
  /** Weights variant: "fp32" reads onnx/model.onnx, "q8" onnx/model_quantized.onnx. @default auto (fp32 if present) */
  dtype?: "fp32" | "q8";
  /** Tokens per text, longer texts are truncated. @default what the folder says (see ./hf_config.ts) */
  maxLength?: number;
  /** Texts per forward pass. @default 32 */
  batchSize?: number;
  /** onnxruntime intra-op threads (CPU provider). @default 2 */
  threads?: number;
  /** L2-normalize the pooled vectors. @default what the folder says (a Normalize module) */
  normalize?: boolean;
  /** Pooling of the token states. @default what the folder says (1_Pooling/config.json), else mean */
  pooling?: TextPooling;
  /** Execution provider (./ort_session.ts). @default "cpu" */
  device?: OrtDevice;
  /** What identifies the weights in the encoder's version (cache keys); added models give their graph's sha256. @default a hash of config.json and the graph's size */
  fingerprint?: string;
}

/** The `[batch, seq, hidden]` states mean-pooled over positions where `mask` is non-zero. */
export function meanPool(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  dims: [batch: number, seq: number, hidden: number],
): Float32Array[] {
  return poolStates(states, mask, dims, "mean");
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
  for (const f of need) if (!(await pathExists(resolve(folder, f)))) missing.push(f);
  const fp32 = await pathExists(resolve(folder, "onnx", `${modelFile}.onnx`));
  const q8 = await pathExists(resolve(folder, "onnx", `${modelFile}_quantized.onnx`));
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
  if (allowDownload && !(await pathExists(abs))) {
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

/** Loads a Hugging Face layout text model from `folder` (see the module doc). */
export async function createHfTextEncoder(
  folder: string,
  options: HfTextOptions = {},
): Promise<Encoder<"text">> {
  const { batchSize = 32, threads = 2, device = "cpu" } = options;
  const source = await prepareHfSource(folder, "text", { dtype: options.dtype });
  const { path, dtype } = source;
  const fingerprint = options.fingerprint ?? source.fingerprint;
  const recipe = await readHfTextRecipe(path, options);
  const tokenizer = await loadHfTokenizer(path);
  const file = resolve(path, "onnx", `model${dtype === "q8" ? "_quantized" : ""}.onnx`);
  const info = await createOrtSession(file, { device, threads });
  const { session } = info;
  const name = folder.replace(/\/+$/, "").split("/").pop() ?? folder;
  const id = `hf-text:${name}`;
  const output = session.outputNames.includes("last_hidden_state")
    ? "last_hidden_state"
    : session.outputNames.includes("token_embeddings")
    ? "token_embeddings"
    : undefined;
  if (!output) {
    await session.release();
    throw new Error(
      `Cannot encode with "${id}": "${file}" has no last_hidden_state output (outputs: ${
        session.outputNames.join(", ")
      })`,
    );
  }
  const known = ["input_ids", "attention_mask", "token_type_ids"];
  const unknown = session.inputNames.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    await session.release();
    throw new Error(
      `Cannot encode with "${id}": "${file}" asks for inputs ${unknown.join(", ")} (known: ${known})`,
    );
  }
  let closed = false;

  async function run(texts: string[]): Promise<Float32Array[]> {
    const b = tokenizer.batch(texts, recipe.maxLength);
    const tensors: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", b.inputIds, b.dims),
      attention_mask: new ort.Tensor("int64", b.attentionMask, b.dims),
      token_type_ids: new ort.Tensor("int64", b.tokenTypeIds, b.dims),
    };
    const feeds = Object.fromEntries(session.inputNames.map((n) => [n, tensors[n]]));
    const result = await session.run(feeds, [output!]);
    const states = result[output!];
    const pooled = poolStates(states.data as Float32Array, b.attentionMask, states.dims, recipe.pooling);
    states.dispose();
    return recipe.normalize ? pooled.map(l2Normalize) : pooled;
  }

  const dim = recipe.hidden > 0 ? recipe.hidden : (await run(["dim probe"]))[0].length;
  return {
    id,
    version: `${recipe.modelType}-${fingerprint}+${dtype}+${recipe.pooling}${
      recipe.normalize ? "-l2" : ""
    }+max${recipe.maxLength}`,
    modality: "text",
    dim,
    runtime: `onnxruntime-node ${describeProvider(info)}`,
    async encode(batch: string[]): Promise<Float32Array[]> {
      if (closed) throw new Error(`Cannot encode with "${id}": the encoder is closed`);
      const out: Float32Array[] = [];
      for (let i = 0; i < batch.length; i += batchSize) out.push(...await run(batch.slice(i, i + batchSize)));
      return out;
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await session.release();
      }
    },
  };
}
