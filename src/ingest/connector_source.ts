/**
 * Opens a platform connector from a `--source` spec as the ingest pipeline's `OpenedSource`:
 *   mastodon:INSTANCE#TAG        a hashtag timeline      mastodon:INSTANCE@ACCOUNT_ID  an account
 *   bluesky:QUERY                a post search (login)   bluesky:@HANDLE               an author feed
 * Each post or skipped item becomes a SourceItem whose `where` is the spec and the item's ordinal in this
 * run (never the post id: quarantine stores `where` in clear).
 */

import { blueskyLogin, type BlueskyOptions, blueskyPosts } from "./bluesky.ts";
import { type ConnectorItem, isSkippedItem, parseConnectorSpec } from "./connector.ts";
import { type MastodonOptions, mastodonPosts } from "./mastodon.ts";
import { post, skip, type SourceItem } from "./source_item.ts";
import type { OpenedSource } from "./sources.ts";

export interface ConnectorSourceOptions
  extends Omit<MastodonOptions & BlueskyOptions, "accessToken" | "accessJwt" | "limit"> {
  /** Mastodon OAuth token. @default none */
  mastodonToken?: string;
  /** Bluesky handle and app password; the connector logs in before the first page. @default none */
  blueskyLogin?: { identifier: string; appPassword: string };
}

/** The connector for `spec`, or undefined when `spec` is not a mastodon:/bluesky: source. */
export function openConnector(spec: string, options: ConnectorSourceOptions = {}): OpenedSource | undefined {
  const parsed = parseConnectorSpec(spec);
  if (!parsed) return undefined;
  const { mastodonToken, blueskyLogin: login, ...common } = options;
  let items: AsyncIterable<ConnectorItem>;
  if (parsed.platform === "mastodon") {
    const source = "hashtag" in parsed
      ? { instance: parsed.instance, hashtag: parsed.hashtag }
      : { instance: parsed.instance, accountId: parsed.accountId };
    items = mastodonPosts(source, { cursorKey: spec, ...common, accessToken: mastodonToken });
  } else {
    const source = "query" in parsed ? { query: parsed.query } : { actor: parsed.actor };
    items = (async function* () {
      const session = login ? await blueskyLogin(login.identifier, login.appPassword, common) : undefined;
      const bluesky: BlueskyOptions = { cursorKey: spec, ...common, accessJwt: session?.accessJwt };
      yield* blueskyPosts(source, bluesky);
    })();
  }
  return { name: spec, items: toSourceItems(spec, items) };
}

async function* toSourceItems(name: string, items: AsyncIterable<ConnectorItem>): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const item of items) {
    const where = `${name} item ${++n}`;
    yield isSkippedItem(item) ? skip(where, item.reason, item.nativeId) : post(item, where);
  }
}
