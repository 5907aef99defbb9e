/**
 * Text preprocessing: bytes -> string, normalization that keeps social signal, the word and character
 * sources the offline n-gram encoders read; fixed-length token ids for transformer encoders are in
 * ./text/tokenizer.ts.
 *
 * What {@link normalizeText} does, in order:
 * 1. Refuses or clips text longer than `maxChars` (default 10,000 UTF-16 units) *before* any other work,
 *    so a megabyte-long post costs nothing; clipping cuts at a whitespace near the limit when there is one
 *    and never inside a surrogate pair. The result says `clipped: true`.
 * 2. Repairs lone surrogates (U+FFFD), decodes the five common HTML entities and numeric ones
 *    (`&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&#x1F600;`), then applies Unicode NFKC (full-width forms,
 *    ligatures and compatibility characters fold to their plain forms).
 * 3. Removes control and format characters: C0/C1 controls (line breaks and tabs become spaces), bidi
 *    marks, zero-width space, BOM, soft hyphen. ZWJ/ZWNJ (U+200D/U+200C) and emoji tag characters are
 *    kept: emoji sequences and Persian/Indic spelling need them.
 * 4. Replaces, keeping the signal:
 *    - a URL (`http(s)://...` or `www....`) -> `<url:example.com>` (the host, lower-cased, without `www.`),
 *      or `<url>` when no host can be read; trailing punctuation stays outside the URL;
 *    - an e-mail address -> `<email>` (it is personal data and carries no topic);
 *    - a mention (`@alice`, `@alice@mastodon.social`, `@alice.bsky.social`) -> `@user`;
 *    - a hashtag -> `#` followed by its words, lower-cased and split at camelCase, letter/digit and
 *      underscore boundaries: `#NewYearsEve` -> `#new years eve`, `#COVID19Vaccine` -> `#covid 19 vaccine`.
 *      An all-lower-case tag stays one word (`#newyearseve`); there is no dictionary segmentation.
 *      A tag of digits only (`#1`) is not a hashtag and is left as it is.
 *    - Emoji stay in the text as characters (they carry sentiment and topic, and multilingual encoders
 *      know them); they are also listed.
 * 5. Collapses runs of whitespace to one space and trims.
 *
 * The result lists what was found: `hashtags` (lower-cased, without `#`), `mentions` (lower-cased,
 * without the leading `@`), `urls` (as written), `domains` (one per URL, `""` when unreadable), `emoji`.
 * Letter case in ordinary words is kept: cased encoders use it; {@link ngramSources} lower-cases.
 *
 * @module
 */

/** Options of {@link normalizeText}. */
export interface NormalizeTextOptions {
  /** Longest text accepted, in UTF-16 code units, checked before normalization. @default 10000 */
  maxChars?: number;
  /** What to do with a longer text: `"clip"` keeps the first `maxChars`, `"refuse"` throws a RangeError. @default "clip" */
  onTooLong?: "clip" | "refuse";
  /** Decode HTML entities (`&amp;`, `&#39;` ...) before normalizing. @default true */
  decodeEntities?: boolean;
}

/** The normalized text and the social signals found in it. */
export interface NormalizedText {
  /** Normalized text for encoders, with `<url:host>`, `<email>`, `@user` and `#split words` in place. */
  text: string;
  /** Hashtags, lower-cased, without `#`, in order of appearance (repeats kept). */
  hashtags: string[];
  /** Mentioned handles, lower-cased, without the leading `@`. */
  mentions: string[];
  /** URLs as written (trailing punctuation removed). */
  urls: string[];
  /** Host of each URL in `urls`, lower-cased, without `www.`; `""` when it cannot be read. */
  domains: string[];
  /** Emoji (full sequences: ZWJ, skin tones, flags, keycaps) in order of appearance. */
  emoji: string[];
  /** True when the input was longer than `maxChars` and was clipped. */
  clipped: boolean;
  /** Length of the input in UTF-16 code units, before clipping. */
  sourceLength: number;
}

const DEFAULT_MAX_CHARS = 10_000;

/**
 * Decodes UTF-8 bytes strictly: invalid sequences throw instead of becoming U+FFFD.
 * A leading byte order mark is dropped.
 *
 * @throws {TypeError} `Cannot decode text "post 12": invalid UTF-8 at byte 3`
 * @throws {RangeError} when `bytes` is longer than `maxBytes`.
 */
export function decodeTextBytes(
  bytes: Uint8Array,
  options: {
    /** Names the text in error messages (a post id, a file). @default "" */
    label?: string;
    /** Largest input accepted, in bytes. @default 1048576 (1 MiB) */
    maxBytes?: number;
  } = {},
): string {
  const { label = "", maxBytes = 1 << 20 } = options;
  const what = label === "" ? "text" : `text "${label}"`;
  if (bytes.length > maxBytes) {
    throw new RangeError(`Cannot decode ${what}: ${bytes.length} bytes exceeds maxBytes "${maxBytes}"`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TypeError(`Cannot decode ${what}: invalid UTF-8 at byte ${firstInvalidUtf8(bytes)}`);
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (only called on the error path). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}

const ENTITY = /&(?:(amp|lt|gt|quot|apos|nbsp)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(
    ENTITY,
    (m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (name !== undefined) return NAMED[name];
      const cp = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    },
  );
}

/** Line breaks, tabs and other separators that become a space. */
const SPACE_LIKE = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Controls and format characters to drop; keeps ZWNJ/ZWJ (U+200C/D) and emoji tags (U+E0020-E007F). */
const DROP =
  /[\p{Cc}\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;

/** Emoji sequences: flags, keycaps, and pictographs with modifiers, variation selectors and ZWJ joins. */
const EMOJI_SOURCE = "\\p{RI}\\p{RI}|[#*0-9]\\uFE0F?\\u20E3|" +
  "\\p{Extended_Pictographic}(?:\\uFE0F|\\p{EMod}|[\\u{E0020}-\\u{E007F}]+)*" +
  "(?:\\u200D\\p{Extended_Pictographic}(?:\\uFE0F|\\p{EMod})*)*";
const EMOJI = new RegExp(EMOJI_SOURCE, "gu");

/**
 * One pass over the text: URL | e-mail | mention | hashtag. Leftmost match wins, so an e-mail address
 * (which starts before its `@`) is never read as a mention, and a URL's `#fragment` is never a hashtag.
 */
const SIGNALS = new RegExp(
  [
    // 1: URL
    "((?:https?:\\/\\/|www\\.)[^\\s<>\"'`]+)",
    // 2: e-mail (anchored at the start of its run of characters, so a long run is scanned once, not per position)
    "(?<![\\p{L}\\p{N}._%+\\-])([\\p{L}\\p{N}._%+\\-]+@[\\p{L}\\p{N}\\-]+(?:\\.[\\p{L}\\p{N}\\-]+)*\\.\\p{L}{2,})",
    // 3: mention (not after a word character, '.', '@' or '/')
    "(?<![\\p{L}\\p{N}_.@/])@([\\p{L}\\p{N}_]+(?:[.\\-][\\p{L}\\p{N}_]+)*(?:@[\\p{L}\\p{N}\\-]+(?:\\.[\\p{L}\\p{N}\\-]+)+)?)",
    // 4: hashtag (not after a word character or '&', so "C#" and "&#39;" are left alone)
    "(?<![\\p{L}\\p{N}_&])#([\\p{L}\\p{M}\\p{N}_]+)",
  ].join("|"),
  "gu",
);

/** Cheap pre-checks that let most posts skip the costly regular expressions. */
const MAY_HAVE_SIGNALS = /[@#]|https?:|www\./i;
const NON_ASCII = /[^\0-\x7f]/;

const TRAILING_PUNCT = /[.,;:!?'"»”’)\]}>]+$/u;
const HAS_LETTER = /\p{L}/u;

/**
 * Splits a hashtag body into lower-cased words at camelCase, letter/digit and underscore boundaries.
 * `"NewYearsEve"` -> `["new", "years", "eve"]`, `"NYCMarathon2024"` -> `["nyc", "marathon", "2024"]`.
 */
export function splitHashtag(tag: string): string[] {
  const parts = tag.match(HASHTAG_PART) ?? [];
  return parts.map((p) => p.toLowerCase());
}
const HASHTAG_PART =
  /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{M}]+|\p{Lu}[\p{Lu}\p{M}]*|\p{N}+|[^\p{Lu}\p{Ll}\p{N}_]+/gu;

/** Host of a URL, lower-cased, without `www.`; `""` when it cannot be read. */
function urlHost(url: string): string {
  const withScheme = /^https?:\/\//i.test(url) ? url : `http://${url}`;
  let host: string;
  try {
    host = new URL(withScheme).hostname;
  } catch {
    const m = /^(?:https?:\/\/)?([^/?#:\s]+)/i.exec(url);
    host = m === null ? "" : m[1].toLowerCase();
  }
  return host.startsWith("www.") ? host.slice(4) : host;
}

/** Cuts `s` to at most `max` code units, at a whitespace in the last 10% when there is one. */
function clip(s: string, max: number): string {
  let end = max;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  const floor = Math.max(0, end - Math.max(1, Math.floor(max / 10)));
  for (let i = end; i > floor; i--) {
    if (/\s/.test(s[i])) return s.slice(0, i);
  }
  return s.slice(0, end);
}

/**
 * Normalizes one text and extracts its hashtags, mentions, URLs and emoji (see the module doc).
 *
 * @throws {RangeError} `Cannot normalize text: length "2000000" exceeds maxChars "10000"` with `onTooLong: "refuse"`.
 */
export function normalizeText(raw: string, options: NormalizeTextOptions = {}): NormalizedText {
  const { maxChars = DEFAULT_MAX_CHARS, onTooLong = "clip", decodeEntities: entities = true } = options;
  if (typeof raw !== "string") {
    throw new TypeError(`Cannot normalize text: expected a string, got "${typeof raw}"`);
  }
  if (!(maxChars >= 1)) throw new RangeError(`Cannot normalize text: maxChars "${maxChars}" is not >= 1`);
  const sourceLength = raw.length;
  let s = raw;
  let clipped = false;
  if (s.length > maxChars) {
    if (onTooLong === "refuse") {
      throw new RangeError(`Cannot normalize text: length "${s.length}" exceeds maxChars "${maxChars}"`);
    }
    s = clip(s, maxChars);
    clipped = true;
  }
  s = s.toWellFormed();
  if (entities) s = decodeEntities(s);
  s = s.normalize("NFKC").replace(SPACE_LIKE, " ").replace(DROP, "");

  const hashtags: string[] = [];
  const mentions: string[] = [];
  const urls: string[] = [];
  const domains: string[] = [];
  if (MAY_HAVE_SIGNALS.test(s)) {
    s = s.replace(
      SIGNALS,
      (m: string, url?: string, email?: string, mention?: string, tag?: string) => {
        if (url !== undefined) {
          const trail = TRAILING_PUNCT.exec(url)?.[0] ?? "";
          let u = url.slice(0, url.length - trail.length);
          let rest = trail;
          // Keep a closing parenthesis that closes one opened inside the URL (Wikipedia links).
          if (rest.startsWith(")") && u.split("(").length > u.split(")").length) {
            u += ")";
            rest = rest.slice(1);
          }
          const host = urlHost(u);
          urls.push(u);
          domains.push(host);
          return `${host === "" ? "<url>" : `<url:${host}>`}${rest}`;
        }
        if (email !== undefined) return "<email>";
        if (mention !== undefined) {
          mentions.push(mention.toLowerCase());
          return "@user";
        }
        if (tag !== undefined && HAS_LETTER.test(tag)) {
          hashtags.push(tag.toLowerCase());
          return `#${splitHashtag(tag).join(" ")}`;
        }
        return m;
      },
    );
  }
  const emoji = NON_ASCII.test(s) ? s.match(EMOJI) ?? [] : [];
  s = s.replace(/\s+/g, " ").trim();
  return { text: s, hashtags, mentions, urls, domains, emoji, clipped, sourceLength };
}

/** Word tokens and the character n-gram source of one text, for the offline n-gram encoders. */
export interface NgramSources {
  /**
   * Lower-cased word tokens. Placeholders stay whole (`<url:example.com>` also yields `<url>`, `@user`,
   * `<email>`), a hashtag yields `#tag` plus its split words, each emoji is one token, and text in scripts
   * without spaces (Chinese, Japanese, Thai ...) is cut into words by `Intl.Segmenter`.
   */
  words: string[];
  /** Lower-cased normalized text, the source for character n-grams. */
  chars: string;
}

/** Placeholders `normalizeText` writes; they are kept whole as word tokens. */
const PLACEHOLDERS = /(<url(?::[^>\s]+)?>|<email>|@user(?![\p{L}\p{N}_]))/u;
const EMOJI_WHOLE = new RegExp(`^(?:${EMOJI_SOURCE})+$`, "u");
const segmenter = new Intl.Segmenter("und", { granularity: "word" });

/**
 * Word tokens and the character n-gram source of a text (normalized first when given a string).
 * Hashtags come from `normalized.hashtags`: each adds `#tag`; its split words are already in the text.
 */
export function ngramSources(input: string | NormalizedText): NgramSources {
  const n = typeof input === "string" ? normalizeText(input) : input;
  const chars = n.text.toLowerCase();
  const words: string[] = [];
  // split() with a capturing group alternates: text, placeholder, text, placeholder, ...
  chars.split(PLACEHOLDERS).forEach((piece, i) => {
    if (i % 2 === 1) {
      if (piece.startsWith("<url:")) words.push("<url>");
      words.push(piece);
      return;
    }
    for (const seg of segmenter.segment(piece)) {
      if (seg.isWordLike) words.push(seg.segment);
      else if (EMOJI_WHOLE.test(seg.segment)) words.push(...(seg.segment.match(EMOJI) ?? []));
    }
  });
  for (const tag of n.hashtags) words.push(`#${tag}`);
  return { words, chars };
}

export {
  type EncoderTokenizer,
  loadTokenizer,
  type LoadTokenizerOptions,
  type TokenizedBatch,
} from "./text/tokenizer.ts";
