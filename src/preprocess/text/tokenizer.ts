/**
 * Fixed-length token ids for transformer encoders, from a local Hugging Face model folder's tokenizer.
 *
 * @module
 */

/** Token ids of a batch, row-major, every row exactly `maxLength` long. */
export interface TokenizedBatch {
  /** Token ids, `batchSize * maxLength`, padded with the tokenizer's pad id. */
  inputIds: Int32Array;
  /** 1 for a real token (special tokens included), 0 for padding; same shape as `inputIds`. */
  attentionMask: Int32Array;
  batchSize: number;
  maxLength: number;
  /** Per row: true when the text had more tokens than fit and was clipped. */
  clipped: boolean[];
}

/** Options of {@link loadTokenizer}. */
export interface LoadTokenizerOptions {
  /** Sequence length of every row, special tokens included. @default 128 */
  maxLength?: number;
}

/** A tokenizer from a local Hugging Face model folder, producing fixed-length batches. */
export interface EncoderTokenizer {
  /** The folder it was loaded from. */
  readonly modelDir: string;
  /** Row length of {@link EncoderTokenizer.encodeBatch}'s output unless given there. */
  readonly maxLength: number;
  /** Id used for padding. */
  readonly padId: number;
  /** Ids the post-processor puts before and after a single sequence (e.g. `[CLS]`, `[SEP]`). */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  /**
   * Tokenizes texts and clips/pads each to `maxLength`. Clipping keeps the special tokens: the text's
   * tokens are cut so that `[CLS] ... [SEP]` still frames the row, as Hugging Face's Python tokenizers do.
   */
  encodeBatch(texts: readonly string[], options?: { maxLength?: number }): TokenizedBatch;
}

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  pad_token_id?: number | null;
}

let loadQueue: Promise<unknown> = Promise.resolve();

/**
 * Loads the tokenizer of a model folder in Hugging Face layout (`tokenizer.json`, `tokenizer_config.json`)
 * with `@huggingface/transformers`' AutoTokenizer, from local files only: `env.allowRemoteModels` is set to
 * false, and `env.localModelPath` points at the folder's parent during the load and is restored after.
 *
 * @throws {Error} `Cannot load tokenizer "models/x": ...` when the folder or its files are missing or invalid.
 */
export async function loadTokenizer(
  modelDir: string,
  options: LoadTokenizerOptions = {},
): Promise<EncoderTokenizer> {
  const { maxLength = 128 } = options;
  checkMaxLength(maxLength);
  const { AutoTokenizer, env } = await import("@huggingface/transformers");
  const trimmed = modelDir.replace(/[\\/]+$/, "");
  const cut = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  const parent = cut < 0 ? "./" : trimmed.slice(0, cut + 1);
  const name = trimmed.slice(cut + 1);
  const load = async (): Promise<HfTokenizer> => {
    const saved = {
      local: env.localModelPath,
      remote: env.allowRemoteModels,
      allowLocal: env.allowLocalModels,
    };
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = parent;
    try {
      return await AutoTokenizer.from_pretrained(name, { local_files_only: true }) as unknown as HfTokenizer;
    } finally {
      env.localModelPath = saved.local;
      env.allowLocalModels = saved.allowLocal;
      env.allowRemoteModels = saved.remote;
    }
  };
  const next = loadQueue.then(load, load); // one load at a time: env is global
  loadQueue = next.catch(() => undefined);
  let tok: HfTokenizer;
  try {
    tok = await next;
  } catch (err) {
    throw new Error(`Cannot load tokenizer "${modelDir}": ${(err as Error).message}`, { cause: err });
  }
  const { prefix, suffix } = probeSpecials(tok);
  const padId = tok.pad_token_id ?? 0;
  return {
    modelDir,
    maxLength,
    padId,
    prefixIds: prefix,
    suffixIds: suffix,
    encodeBatch(texts, opts = {}) {
      const len = opts.maxLength ?? maxLength;
      checkMaxLength(len);
      const room = len - prefix.length - suffix.length;
      if (room < 0) {
        throw new RangeError(
          `Cannot encode batch: maxLength "${len}" is shorter than the ${
            prefix.length + suffix.length
          } special tokens`,
        );
      }
      const inputIds = new Int32Array(texts.length * len).fill(padId);
      const attentionMask = new Int32Array(texts.length * len);
      const clipped: boolean[] = [];
      texts.forEach((text, row) => {
        const core = tok.encode(text, { add_special_tokens: false });
        clipped.push(core.length > room);
        const ids = [...prefix, ...core.slice(0, room), ...suffix];
        inputIds.set(ids, row * len);
        attentionMask.fill(1, row * len, row * len + ids.length);
      });
      return { inputIds, attentionMask, batchSize: texts.length, maxLength: len, clipped };
    },
  };
}

function checkMaxLength(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Cannot tokenize: maxLength "${n}" is not a positive integer`);
  }
}

/** Finds the fixed ids the post-processor adds around one sequence by encoding a probe both ways. */
function probeSpecials(tok: HfTokenizer): { prefix: number[]; suffix: number[] } {
  const probe = "a b c";
  const core = tok.encode(probe, { add_special_tokens: false });
  const full = tok.encode(probe, { add_special_tokens: true });
  for (let start = 0; start + core.length <= full.length; start++) {
    if (core.every((id, i) => full[start + i] === id)) {
      return { prefix: full.slice(0, start), suffix: full.slice(start + core.length) };
    }
  }
  throw new Error(`Cannot find the special tokens of the tokenizer: probe "${probe}" encodes inconsistently`);
}
