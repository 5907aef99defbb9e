/**
 * Text PostgreSQL can store. Its `text` and `jsonb` types refuse the NUL character and lone UTF-16
 * surrogates (`unsupported Unicode escape sequence`), which social-media exports do contain: one such
 * character must not fail a whole batch. NUL is dropped and a lone surrogate becomes U+FFFD, the
 * replacement character, as a UTF-8 decoder would; every other character is kept.
 */

/** `s` without NUL characters and with lone surrogates replaced by U+FFFD. */
export function storableText(s: string): string {
  const noNul = s.includes("\u0000") ? s.replaceAll("\u0000", "") : s;
  return noNul.isWellFormed() ? noNul : noNul.toWellFormed();
}

/** `value` with every string (object keys included) made storable; other values as they are. */
export function storable<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[storableText(k)] = storable(v);
    return out as T;
  }
  return value;
}

/** JSON text of `value` that PostgreSQL's jsonb accepts. */
export function storableJson(value: unknown): string {
  return JSON.stringify(storable(value));
}
