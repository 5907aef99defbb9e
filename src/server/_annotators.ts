/**
 * Annotators and their tokens (`API_LABEL_TOKENS="token1=alice,token2=bob"`), and signed media URLs: an
 * <img> or <video> cannot send a bearer token, so the labeling routes hand out blob URLs signed for a
 * limited time (as object stores presign theirs) instead of putting a token in a URL.
 */
import type { Context } from "hono";
import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { httpError } from "./_http.ts";

const ANNOTATOR = /^[\p{L}\p{N}][\p{L}\p{N}_.@-]{0,63}$/u;

/** Reads `token=name` pairs separated by commas; a malformed pair, a reused token or "source" fails. */
export function parseLabelTokens(spec: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf("=");
    const token = part.slice(0, eq).trim(), name = part.slice(eq + 1).trim();
    if (eq <= 0 || token.length < 8) {
      throw new TypeError(
        `Cannot read API_LABEL_TOKENS: "${
          part.slice(0, 4)
        }…" is not TOKEN=NAME with a token of 8+ characters`,
      );
    }
    if (!ANNOTATOR.test(name) || name === "source") {
      throw new TypeError(
        `Cannot read API_LABEL_TOKENS: annotator "${name}" is not a name (letters, digits, _ . @ -; not "source")`,
      );
    }
    if (out.has(token)) throw new TypeError(`Cannot read API_LABEL_TOKENS: a token is given twice`);
    out.set(token, name);
  }
  return out;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The annotator whose token the request carries; 401 without a token, 403 with an unknown one. */
export function annotatorOf(c: Context, tokens: Map<string, string>): string {
  if (tokens.size === 0) {
    throw httpError(
      403,
      "Cannot authorize the labeling route: no annotator tokens are configured (API_LABEL_TOKENS)",
    );
  }
  const given = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (!given) {
    c.header("www-authenticate", 'Bearer realm="posttagger-label"');
    throw httpError(401, "Cannot authorize the labeling route: no bearer token given (your annotator token)");
  }
  const g = digest(given);
  let found: string | undefined;
  for (const [token, name] of tokens) if (timingSafeEqual(digest(token), g)) found = name;
  if (!found) throw httpError(403, "Cannot authorize the labeling route: the token is not an annotator's");
  return found;
}

/** Signs and checks blob URLs with a key derived from the annotator tokens (the same on every replica). */
export class BlobSigner {
  readonly #key: Buffer;
  constructor(tokens: Map<string, string>) {
    this.#key = createHash("sha256").update(`posttagger blob urls\0${[...tokens.keys()].sort().join("\0")}`)
      .digest();
  }
  #mac(sha256: string, expires: number): string {
    return createHmac("sha256", this.#key).update(`${sha256}.${expires}`).digest("base64url");
  }
  /** `/api/blobs/<sha256>?exp=<unix s>&sig=<hmac>`, valid for `seconds`. */
  url(sha256: string, seconds: number): string {
    // Whole hours, so that one blob keeps one URL for a while and the browser's cache works.
    const expires = Math.ceil((Date.now() / 1000 + seconds) / 3600) * 3600;
    return `/api/blobs/${sha256}?exp=${expires}&sig=${this.#mac(sha256, expires)}`;
  }
  valid(sha256: string, expires: number, sig: string): boolean {
    if (!Number.isInteger(expires) || expires < Date.now() / 1000) return false;
    const want = Buffer.from(this.#mac(sha256, expires));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
