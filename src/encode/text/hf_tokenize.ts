/**
 * Model inputs from a Hugging Face `tokenizer.json` (through transformers.js' tokenizer), truncated and
 * padded the way the Python `tokenizers` library does: the text's own tokens are cut so that the special
 * tokens still fit (`[CLS] … [SEP]` stays whole at the maximum length; transformers.js alone cuts the
 * closing `[SEP]` off), padding goes to the right with the pad id, the attention mask is 1 on real
 * tokens and `token_type_ids` are 0 (one sequence).
 *
 * @module
 */
import { AutoTokenizer, env, type PreTrainedTokenizer } from "@huggingface/transformers";

/** One padded batch, row-major `[batch, seq]`. */
export interface TokenBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  dims: [batch: number, seq: number];
}

/** A loaded tokenizer with the special tokens it wraps one text in. */
export interface HfTokenizer {
  /** Ids of `text` with special tokens, at most `maxLength` of them. */
  ids(text: string, maxLength: number): number[];
  /** A padded batch of `texts`, each cut to `maxLength`. */
  batch(texts: string[], maxLength: number): TokenBatch;
  readonly padId: number;
}

function toNumbers(ids: unknown): number[] {
  return Array.from(ids as ArrayLike<number | bigint>, Number);
}

/** Loads the tokenizer of the local model folder `path` (absolute). */
export async function loadHfTokenizer(path: string): Promise<HfTokenizer> {
  env.allowLocalModels = true;
  const tokenizer: PreTrainedTokenizer = await AutoTokenizer.from_pretrained(path, {
    local_files_only: true,
  });
  const encode = (text: string, special: boolean) =>
    toNumbers(tokenizer.encode(text, { add_special_tokens: special }));
  // Where the text's tokens sit among the special ones: find a probe's plain ids inside its full ids.
  const plain = encode("a", false);
  const full = encode("a", true);
  let at = -1;
  for (let i = 0; i + plain.length <= full.length && at < 0; i++) {
    if (plain.every((id, k) => full[i + k] === id)) at = i;
  }
  if (at < 0) throw new Error(`Cannot read the special tokens of the tokenizer in "${path}"`);
  const prefix = full.slice(0, at);
  const suffix = full.slice(at + plain.length);
  const padToken = tokenizer.pad_token_id;
  const padId = typeof padToken === "number" ? padToken : 0;

  const ids = (text: string, maxLength: number) => {
    const own = encode(text, false);
    const room = Math.max(0, maxLength - prefix.length - suffix.length);
    return [...prefix, ...own.slice(0, room), ...suffix];
  };
  return {
    padId,
    ids,
    batch(texts: string[], maxLength: number): TokenBatch {
      const rows = texts.map((t) => ids(t, maxLength));
      const seq = Math.max(1, ...rows.map((r) => r.length));
      const inputIds = new BigInt64Array(texts.length * seq).fill(BigInt(padId));
      const attentionMask = new BigInt64Array(texts.length * seq);
      rows.forEach((row, i) => {
        for (let t = 0; t < row.length; t++) {
          inputIds[i * seq + t] = BigInt(row[t]);
          attentionMask[i * seq + t] = 1n;
        }
      });
      return {
        inputIds,
        attentionMask,
        tokenTypeIds: new BigInt64Array(texts.length * seq),
        dims: [texts.length, seq],
      };
    },
  };
}
