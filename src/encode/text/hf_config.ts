/**
 * What a Hugging Face text model folder says about turning token states into a sentence embedding: the
 * pooling and normalisation of its sentence-transformers modules (`modules.json`, `1_Pooling/config.json`
 * in both the classic `pooling_mode_*_tokens` and the newer `pooling_mode` form, a `Normalize` module) and
 * the maximum length (`sentence_bert_config.json` `max_seq_length`, else the tokenizer's
 * `model_max_length`, never past the position embeddings). A plain transformers folder (no modules.json)
 * gets mean pooling (what sentence-transformers wraps it with) and, as this project always did for such
 * folders, L2 normalisation.
 *
 * @module
 */
import { resolve } from "node:path";

/** How token states become one vector. */
export type TextPooling = "mean" | "cls" | "max";

/** The sentence-embedding recipe of a folder. */
export interface HfTextRecipe {
  modelType: string;
  hidden: number;
  pooling: TextPooling;
  normalize: boolean;
  maxLength: number;
  /** Where each value came from, for error messages and `models add`. */
  sources: string[];
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Cannot read "${path}": not JSON (${err instanceof Error ? err.message : err})`);
  }
}

/** The pooling a sentence-transformers pooling config names (either form). */
export function poolingOf(config: Record<string, unknown>, where: string): TextPooling {
  const mode = config.pooling_mode;
  if (typeof mode === "string") {
    const m = mode.replace(/_tokens?$/, "");
    if (m === "mean" || m === "cls" || m === "max") return m;
    throw new RangeError(`Cannot use pooling "${mode}" of "${where}": supported are mean, cls, max`);
  }
  const on = [
    "cls_token",
    "mean_tokens",
    "max_tokens",
    "mean_sqrt_len_tokens",
    "weightedmean_tokens",
    "lasttoken",
  ]
    .filter((k) => config[`pooling_mode_${k}`] === true);
  if (on.length === 1 && on[0] === "cls_token") return "cls";
  if (on.length === 1 && on[0] === "mean_tokens") return "mean";
  if (on.length === 1 && on[0] === "max_tokens") return "max";
  throw new RangeError(
    `Cannot use the pooling of "${where}": ${
      on.length === 0 ? "no pooling_mode_* is on" : `modes ${on.join(" + ")}`
    } (supported: exactly one of cls_token, mean_tokens, max_tokens)`,
  );
}

/** Reads the recipe of the text model in `folder`; `override` wins over what the folder says. */
export async function readHfTextRecipe(
  folder: string,
  override: { pooling?: TextPooling; normalize?: boolean; maxLength?: number } = {},
): Promise<HfTextRecipe> {
  const sources: string[] = [];
  const config = await readJson(resolve(folder, "config.json")) ?? {};
  const modelType = String(config.model_type ?? "unknown");
  const hidden = Number(config.hidden_size ?? config.d_model ?? config.dim ?? 0);
  let pooling: TextPooling = "mean";
  let normalize = true;
  const modules = await readJson(resolve(folder, "modules.json"));
  if (Array.isArray(modules)) {
    normalize = false;
    for (const m of modules as { type?: string; path?: string }[]) {
      const type = String(m.type ?? "");
      if (/Pooling$/.test(type)) {
        const where = resolve(folder, m.path ?? "", "config.json");
        const pc = await readJson(where);
        if (!pc) throw new Error(`Cannot read the pooling of "${folder}": "${where}" is missing`);
        pooling = poolingOf(pc, where);
        sources.push(`pooling ${pooling} from ${m.path}/config.json`);
      } else if (/Normalize$/.test(type)) {
        normalize = true;
        sources.push("normalize from modules.json");
      }
    }
  } else sources.push("no modules.json: mean pooling, L2-normalized");

  const positions = Number(config.max_position_embeddings ?? 0);
  // RoBERTa-family models start positions after the padding index: two positions fewer are usable.
  const usable = positions > 0 ? positions - (/roberta|camembert/.test(modelType) ? 2 : 0) : Infinity;
  const st = await readJson(resolve(folder, "sentence_bert_config.json"));
  const tc = await readJson(resolve(folder, "tokenizer_config.json"));
  let maxLength = Infinity;
  if (typeof st?.max_seq_length === "number") {
    maxLength = st.max_seq_length;
    sources.push(`max length ${maxLength} from sentence_bert_config.json`);
  } else if (typeof tc?.model_max_length === "number" && tc.model_max_length < 1e6) {
    maxLength = tc.model_max_length;
    sources.push(`max length ${maxLength} from tokenizer_config.json`);
  }
  maxLength = Math.min(maxLength, usable);
  if (!Number.isFinite(maxLength)) maxLength = 512;
  return {
    modelType,
    hidden,
    pooling: override.pooling ?? pooling,
    normalize: override.normalize ?? normalize,
    maxLength: override.maxLength ?? maxLength,
    sources,
  };
}

/** Pools `[batch, seq, hidden]` states over the positions where `mask` is non-zero. */
export function poolStates(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  dims: readonly number[],
  pooling: TextPooling,
): Float32Array[] {
  const [b, s, h] = dims;
  const out: Float32Array[] = [];
  for (let i = 0; i < b; i++) {
    const v = new Float32Array(h);
    if (pooling === "cls") {
      v.set(states.subarray(i * s * h, i * s * h + h));
      out.push(v);
      continue;
    }
    if (pooling === "max") v.fill(-Infinity);
    let count = 0;
    for (let t = 0; t < s; t++) {
      if (Number(mask[i * s + t]) === 0) continue;
      count++;
      const base = (i * s + t) * h;
      if (pooling === "max") { for (let j = 0; j < h; j++) v[j] = Math.max(v[j], states[base + j]); }
      else for (let j = 0; j < h; j++) v[j] += states[base + j];
    }
    if (pooling === "mean" && count > 0) { for (let j = 0; j < h; j++) v[j] /= count; }
    if (count === 0) v.fill(0);
    out.push(v);
  }
  return out;
}
