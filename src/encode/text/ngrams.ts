/**
 * Hashed n-gram TF-IDF text encoder: character n-grams inside word boundaries and word n-grams,
 * hashed into one feature space, TF-IDF weighted with an IDF fitted on the training texts,
 * L2-normalized. Output is a sparse bag per text (sorted indices + values), ready for an
 * embedding-bag style input, or a dense vector through a sparse signed random projection.
 *
 * Tokens: the text is NFKC-normalized and lowercased; a token is a run of letters, digits, marks,
 * apostrophes and underscores, or any other single non-space character (punctuation, emoji).
 * Word n-grams join tokens with a space. Character n-grams are taken from `<token>` (with the
 * boundary markers `<` and `>`), so "love" gives "<l", "lo", ..., "<lov", ..., "ove>".
 *
 * The word block and the character block are each L2-normalized, scaled by their weights, summed
 * into the shared hash space and normalized again, as scikit-learn's union of a word and a
 * `char_wb` TfidfVectorizer would weigh them. IDF is scikit-learn's smooth IDF,
 * `ln((1 + n) / (1 + df)) + 1`; buckets seen in fewer than `minDf` training texts get weight 0, as an
 * out-of-vocabulary term would.
 *
 * @module
 */

/** Identifier of this encoder in feature-cache keys. */
export const TEXT_NGRAMS_ID = "text-ngrams";
/** Bumped whenever the features for the same state and text would change. */
export const TEXT_NGRAMS_VERSION = 1;

/** A sparse vector: strictly increasing `indices` and their `values`. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** Options of {@link TextNgramsEncoder.fit}. */
export interface TextNgramsOptions {
  /** Size of the hash space. @default 262144 (2^18) */
  buckets?: number;
  /** Shortest character n-gram (markers included); 0 with `charMax` 0 disables characters. @default 2 */
  charMin?: number;
  /** Longest character n-gram. @default 5 */
  charMax?: number;
  /** Shortest word n-gram. @default 1 */
  wordMin?: number;
  /** Longest word n-gram; 0 disables words. @default 2 */
  wordMax?: number;
  /** Use 1 + ln(tf) instead of the raw count. @default true */
  sublinearTf?: boolean;
  /** Buckets in fewer training texts than this get weight 0. @default 1 */
  minDf?: number;
  /** Weight of the word block before the final normalization. @default 1 */
  wordWeight?: number;
  /** Weight of the character block before the final normalization. @default 1 */
  charWeight?: number;
  /** Tokens longer than this are cut before character n-grams (URLs, hashes). @default 40 */
  maxTokenLength?: number;
}

/** The fitted, JSON-serializable state. */
export interface TextNgramsState {
  id: typeof TEXT_NGRAMS_ID;
  version: number;
  options: Required<TextNgramsOptions>;
  /** Number of training texts. */
  docs: number;
  /** Buckets with a nonzero document frequency, increasing. */
  dfIndex: number[];
  /** Document frequency of each bucket in `dfIndex`. */
  dfCount: number[];
}

/** Options of {@link TextNgramsEncoder.encodeDense} and {@link denseProjection}. */
export interface DenseProjectionOptions {
  /** Output dimension. @default 1024 */
  dim?: number;
  /** Output dimensions each sparse feature adds into (sparse Johnson-Lindenstrauss). @default 4 */
  perFeature?: number;
  /** Seed of the projection hash. @default 1 */
  seed?: number;
}

const DEFAULTS: Required<TextNgramsOptions> = {
  buckets: 1 << 18,
  charMin: 2,
  charMax: 5,
  wordMin: 1,
  wordMax: 2,
  sublinearTf: true,
  minDf: 1,
  wordWeight: 1,
  charWeight: 1,
  maxTokenLength: 40,
};

const TOKEN_RE = /[\p{L}\p{N}\p{M}_'’]+|[^\s\p{L}\p{N}\p{M}_'’]/gu;

/** Splits a text into the encoder's tokens. */
export function tokenize(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(TOKEN_RE) ?? [];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, FNV_PRIME);
}

/** FNV-1a of `kind` + `gram` over UTF-16 code units; stable across runs and platforms. */
export function hashGram(kind: "w" | "c", gram: string): number {
  let h = fnvStep(FNV_OFFSET, kind.charCodeAt(0));
  for (let i = 0; i < gram.length; i++) h = fnvStep(h, gram.charCodeAt(i));
  return h >>> 0;
}

function checkOptions(o: Required<TextNgramsOptions>): void {
  if (!Number.isInteger(o.buckets) || o.buckets < 2 || o.buckets > 2 ** 30) {
    throw new RangeError(`Cannot use hash space "${o.buckets}": expected an integer in [2, 2^30]`);
  }
  if (o.charMax > 0 && (o.charMin < 1 || o.charMin > o.charMax)) {
    throw new RangeError(
      `Cannot use character n-grams "${o.charMin}..${o.charMax}": expected 1 <= min <= max`,
    );
  }
  if (o.wordMax > 0 && (o.wordMin < 1 || o.wordMin > o.wordMax)) {
    throw new RangeError(`Cannot use word n-grams "${o.wordMin}..${o.wordMax}": expected 1 <= min <= max`);
  }
  if (o.charMax <= 0 && o.wordMax <= 0) {
    throw new RangeError(`Cannot encode text: both character and word n-grams are disabled`);
  }
}

/** Calls `emit(bucket)` once per word n-gram occurrence. */
function eachWordGram(tokens: string[], o: Required<TextNgramsOptions>, emit: (b: number) => void): void {
  if (o.wordMax <= 0) return;
  const w0 = fnvStep(FNV_OFFSET, 119); // "w"
  const space = 32;
  for (let i = 0; i < tokens.length; i++) {
    let h = w0;
    for (let n = 1; n <= o.wordMax && i + n <= tokens.length; n++) {
      if (n > 1) h = fnvStep(h, space);
      const t = tokens[i + n - 1];
      for (let k = 0; k < t.length; k++) h = fnvStep(h, t.charCodeAt(k));
      if (n >= o.wordMin) emit((h >>> 0) % o.buckets);
    }
  }
}

/** Calls `emit(bucket)` once per character n-gram occurrence of `<token>`. */
function eachCharGram(tokens: string[], o: Required<TextNgramsOptions>, emit: (b: number) => void): void {
  if (o.charMax <= 0) return;
  const c0 = fnvStep(FNV_OFFSET, 99); // "c"
  const codes: number[] = [];
  for (const token of tokens) {
    codes.length = 0;
    codes.push(60); // "<"
    const cut = Math.min(token.length, o.maxTokenLength);
    for (let k = 0; k < cut; k++) codes.push(token.charCodeAt(k));
    codes.push(62); // ">"
    for (let i = 0; i < codes.length; i++) {
      let h = c0;
      for (let n = 1; n <= o.charMax && i + n <= codes.length; n++) {
        h = fnvStep(h, codes[i + n - 1]);
        if (n >= o.charMin) emit((h >>> 0) % o.buckets);
      }
    }
  }
}

/** Scratch space for counting one text's buckets without allocating per text. */
class Counter {
  readonly counts: Float64Array;
  readonly touched: number[] = [];
  constructor(size: number) {
    this.counts = new Float64Array(size);
  }
  add = (b: number): void => {
    if (this.counts[b] === 0) this.touched.push(b);
    this.counts[b]++;
  };
  clear(): void {
    for (const b of this.touched) this.counts[b] = 0;
    this.touched.length = 0;
  }
}

/** Fitted n-gram TF-IDF encoder. */
export class TextNgramsEncoder {
  readonly id = TEXT_NGRAMS_ID;
  readonly version = TEXT_NGRAMS_VERSION;
  readonly state: TextNgramsState;
  readonly #idf: Float32Array;
  #words?: Counter;
  #chars?: Counter;

  private constructor(state: TextNgramsState) {
    this.state = state;
    const o = state.options;
    const n = state.docs;
    this.#idf = new Float32Array(o.buckets);
    for (let i = 0; i < state.dfIndex.length; i++) {
      const df = state.dfCount[i];
      if (df >= o.minDf) this.#idf[state.dfIndex[i]] = Math.log((1 + n) / (1 + df)) + 1;
    }
  }

  /** Fits the IDF on `texts` (the training window). */
  static fit(texts: readonly string[], opts: TextNgramsOptions = {}): TextNgramsEncoder {
    const options = { ...DEFAULTS, ...opts };
    for (const key of Object.keys(opts)) {
      if (!(key in DEFAULTS)) throw new TypeError(`Cannot fit n-gram encoder: unknown option "${key}"`);
    }
    checkOptions(options);
    const df = new Uint32Array(options.buckets);
    const seen = new Counter(options.buckets);
    for (const text of texts) {
      const tokens = tokenize(text);
      eachWordGram(tokens, options, seen.add);
      eachCharGram(tokens, options, seen.add);
      for (const b of seen.touched) df[b]++;
      seen.clear();
    }
    const dfIndex: number[] = [], dfCount: number[] = [];
    for (let b = 0; b < df.length; b++) {
      if (df[b] > 0) {
        dfIndex.push(b);
        dfCount.push(df[b]);
      }
    }
    return new TextNgramsEncoder({
      id: TEXT_NGRAMS_ID,
      version: TEXT_NGRAMS_VERSION,
      options,
      docs: texts.length,
      dfIndex,
      dfCount,
    });
  }

  /** Restores an encoder from {@link TextNgramsEncoder.toJSON}'s output. */
  static fromJSON(state: TextNgramsState): TextNgramsEncoder {
    if (state.id !== TEXT_NGRAMS_ID || state.version !== TEXT_NGRAMS_VERSION) {
      throw new TypeError(
        `Cannot load n-gram encoder: state is "${state.id}@${state.version}", expected "${TEXT_NGRAMS_ID}@${TEXT_NGRAMS_VERSION}"`,
      );
    }
    const options = { ...DEFAULTS, ...state.options };
    checkOptions(options);
    if (state.dfIndex.length !== state.dfCount.length) {
      throw new RangeError(`Cannot load n-gram encoder: "dfIndex" and "dfCount" differ in length`);
    }
    return new TextNgramsEncoder({ ...state, options });
  }

  /** Reads a state written by {@link TextNgramsEncoder.save}. */
  static async load(path: string): Promise<TextNgramsEncoder> {
    return TextNgramsEncoder.fromJSON(JSON.parse(await Deno.readTextFile(path)));
  }

  /** The JSON-serializable state. */
  toJSON(): TextNgramsState {
    return this.state;
  }

  /** Writes the state as JSON to `path`. */
  async save(path: string): Promise<void> {
    await Deno.writeTextFile(path, JSON.stringify(this.state));
  }

  /** Dimension of the sparse space. */
  get dim(): number {
    return this.state.options.buckets;
  }

  /** Encodes one text into an L2-normalized sparse TF-IDF vector (empty when nothing is known). */
  encodeOne(text: string): SparseVector {
    const o = this.state.options;
    this.#words ??= new Counter(o.buckets);
    this.#chars ??= new Counter(o.buckets);
    const words = this.#words, chars = this.#chars;
    const tokens = tokenize(text);
    eachWordGram(tokens, o, words.add);
    eachCharGram(tokens, o, chars.add);
    const merged = new Map<number, number>();
    for (const [counter, weight] of [[words, o.wordWeight], [chars, o.charWeight]] as const) {
      let norm = 0;
      for (const b of counter.touched) {
        const tf = counter.counts[b];
        const w = (o.sublinearTf ? 1 + Math.log(tf) : tf) * this.#idf[b];
        counter.counts[b] = w;
        norm += w * w;
      }
      if (norm > 0) {
        const scale = weight / Math.sqrt(norm);
        for (const b of counter.touched) {
          const w = counter.counts[b];
          if (w !== 0) merged.set(b, (merged.get(b) ?? 0) + w * scale);
        }
      }
      counter.clear();
    }
    const indices = Int32Array.from(merged.keys()).sort();
    const values = new Float32Array(indices.length);
    let norm = 0;
    for (let i = 0; i < indices.length; i++) {
      const v = merged.get(indices[i])!;
      values[i] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < values.length; i++) values[i] *= inv;
    }
    return { indices, values };
  }

  /** Encodes texts into sparse vectors. */
  encode(texts: readonly string[]): SparseVector[] {
    return texts.map((t) => this.encodeOne(t));
  }

  /** Encodes texts into dense vectors (row-major, `texts.length x dim`) by {@link denseProjection}. */
  encodeDense(texts: readonly string[], opts: DenseProjectionOptions = {}): Float32Array {
    return denseProjection(this.encode(texts), opts);
  }
}

/** A 32-bit integer mix (murmur3 finalizer). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Projects sparse vectors to `dim` dense dimensions: each sparse index adds its value, with a
 * hashed sign and scaled by 1/sqrt(perFeature), into `perFeature` hashed output dimensions
 * (a sparse Johnson-Lindenstrauss projection); rows are then L2-normalized.
 * Returns a row-major `vectors.length x dim` matrix.
 */
export function denseProjection(
  vectors: readonly SparseVector[],
  opts: DenseProjectionOptions = {},
): Float32Array {
  const dim = opts.dim ?? 1024;
  const s = opts.perFeature ?? 4;
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Cannot project to dimension "${dim}"`);
  if (!Number.isInteger(s) || s < 1) {
    throw new RangeError(`Cannot project with "${s}" dimensions per feature`);
  }
  const out = new Float32Array(vectors.length * dim);
  const scale = 1 / Math.sqrt(s);
  const row = new Float64Array(dim);
  for (let r = 0; r < vectors.length; r++) {
    row.fill(0);
    const { indices, values } = vectors[r];
    for (let i = 0; i < indices.length; i++) {
      const v = values[i] * scale;
      for (let k = 0; k < s; k++) {
        const h = mix32(Math.imul(indices[i] + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x7feb352d) ^ seed);
        row[(h & 0x7fffffff) % dim] += h & 0x80000000 ? -v : v;
      }
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += row[d] * row[d];
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) out[r * dim + d] = row[d] * inv;
  }
  return out;
}
