/**
 * What the platform connectors (Mastodon, Bluesky) share: the items they yield, the time window, the
 * resumable cursor store, and the `--source` spec parser.
 *
 * Delivery is at-least-once: a connector commits an item to its cursor store when the consumer asks for the
 * next one, so after a crash only the item that was in hand comes again (the store dedups by native id).
 * When a crawl ends (window start reached or no more pages) the cursor keeps only the newest post seen, and
 * the next run fetches the posts newer than that one.
 */

import type { RawPost } from "./raw_post.ts";
import type { HttpOptions } from "./_http.ts";
import { DEFAULT_WINDOW, windowStart } from "./window.ts";

/** Thrown when a request fails for good (after retries); `status` is 0 for network errors. */
export { HttpError } from "./_http.ts";
export type { HttpOptions } from "./_http.ts";

/** An item a connector could not map (deleted, blocked, missing fields); quarantine it and go on. */
export interface SkippedItem {
  /** The platform's id, when the item had one. */
  nativeId?: string;
  /**
   * Why it was skipped, e.g. `deleted` or `Cannot map status: missing field "created_at"`; it never
   * names the post or its author (quarantine stores it in clear).
   */
  reason: string;
}

export type ConnectorItem = RawPost | SkippedItem;

/** True for a SkippedItem (it has a `reason` and no `platform`). */
export function isSkippedItem(item: ConnectorItem): item is SkippedItem {
  return !("platform" in item) && "reason" in item;
}

/** Where a connector keeps its resume position between runs. */
export interface CursorStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Options every connector takes. */
export interface ConnectorOptions extends HttpOptions {
  /** Oldest post to keep; paging stops at the first older post. @default 24 months before `now()` */
  since?: Date;
  /** Newest post to keep; newer posts are passed over. @default no limit */
  until?: Date;
  /** Resume position store. @default none (every run starts from the newest post) */
  cursorStore?: CursorStore;
  /** Key of this crawl in the cursor store. @default the source spec, e.g. "mastodon:mastodon.social#cats" */
  cursorKey?: string;
  /** Download media into `RawMedia.bytes`; false keeps only `url`. @default true */
  downloadMedia?: boolean;
}

/** The default window start: the product's window (24 months) before `now`. */
export function defaultSince(now: Date = new Date()): Date {
  return windowStart(DEFAULT_WINDOW, now);
}

/** A CursorStore in memory, for tests and one-off runs. */
export function memoryCursorStore(initial: Record<string, string> = {}): CursorStore {
  const values = new Map(Object.entries(initial));
  return {
    get: (key) => Promise.resolve(values.get(key)),
    set: (key, value) => {
      values.set(key, value);
      return Promise.resolve();
    },
  };
}

/**
 * A CursorStore in one JSON file (`{ "key": "cursor", … }`), written atomically (temporary file + rename),
 * with writes serialized. A missing file is an empty store.
 */
export function fileCursorStore(path: string): CursorStore {
  let values: Record<string, string> | undefined;
  let queue: Promise<void> = Promise.resolve();

  async function load(): Promise<Record<string, string>> {
    if (values) return values;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return values = {};
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(`Cannot read cursor store "${path}": ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new TypeError(
        `Cannot read cursor store "${path}": expected a JSON object, got "${text.slice(0, 40)}"`,
      );
    }
    return values = parsed as Record<string, string>;
  }

  async function write(key: string, value: string): Promise<void> {
    const current = await load();
    current[key] = value;
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    if (dir) await Deno.mkdir(dir, { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(current, null, 2) + "\n");
    await Deno.rename(tmp, path);
  }

  return {
    get: async (key) => {
      await queue;
      return (await load())[key];
    },
    set: (key, value) => {
      const next = queue.then(() => write(key, value));
      queue = next.catch(() => {});
      return next;
    },
  };
}

/** A parsed `--source` spec for a platform connector. */
export type ConnectorSpec =
  | { platform: "mastodon"; instance: string; hashtag: string }
  | { platform: "mastodon"; instance: string; accountId: string }
  | { platform: "bluesky"; query: string }
  | { platform: "bluesky"; actor: string };

/**
 * Parse `mastodon:INSTANCE#TAG`, `mastodon:INSTANCE@ACCOUNT_ID`, `bluesky:QUERY` or `bluesky:@HANDLE`.
 * Returns undefined for other prefixes (sample, jsonl:, csv: …) so a CLI can try its other sources;
 * throws a TypeError for a malformed mastodon/bluesky spec.
 */
export function parseConnectorSpec(spec: string): ConnectorSpec | undefined {
  const colon = spec.indexOf(":");
  const prefix = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1).trim();
  if (prefix === "mastodon") {
    const m = /^(https?:\/\/)?([a-z0-9.-]+(?::\d+)?)\/?([#@])(.+)$/i.exec(rest);
    if (!m) {
      throw new TypeError(
        `Cannot parse source "${spec}": expected "mastodon:INSTANCE#TAG" or "mastodon:INSTANCE@ACCOUNT_ID"`,
      );
    }
    const [, scheme, host, sigil, value] = m;
    // An explicit http:// is kept (a local instance); otherwise the instance is a host reached by https.
    const instance = scheme?.toLowerCase() === "http://" ? `http://${host}` : host;
    if (sigil === "#") {
      if (!/^[\p{L}\p{N}_]+$/u.test(value)) {
        throw new TypeError(`Cannot parse source "${spec}": invalid hashtag "${value}"`);
      }
      return { platform: "mastodon", instance: instance.toLowerCase(), hashtag: value };
    }
    if (!/^\d+$/.test(value)) {
      throw new TypeError(`Cannot parse source "${spec}": account id must be numeric, got "${value}"`);
    }
    return { platform: "mastodon", instance: instance.toLowerCase(), accountId: value };
  }
  if (prefix === "bluesky") {
    if (!rest) {
      throw new TypeError(`Cannot parse source "${spec}": expected "bluesky:QUERY" or "bluesky:@HANDLE"`);
    }
    if (rest.startsWith("@")) {
      const actor = rest.slice(1);
      if (!/^(did:[a-z]+:[\w.:%-]+|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i.test(actor)) {
        throw new TypeError(`Cannot parse source "${spec}": invalid handle or DID "${actor}"`);
      }
      return { platform: "bluesky", actor };
    }
    return { platform: "bluesky", query: rest };
  }
  return undefined;
}
