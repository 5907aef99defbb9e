/**
 * `deno task bench preprocess`: images/s decoded, resized and normalized, 8 frames by seeking against
 * decoding a whole clip, texts/s normalized with their language identified, and the Arrow cache's
 * write/read MB/s.
 *
 * @module
 */
import { benchCache } from "./_preprocess_cache.ts";
import { benchMedia } from "./_preprocess_media.ts";
import { benchText } from "./_preprocess_text.ts";

export async function run(): Promise<Record<string, unknown>> {
  return { media: await benchMedia(), text: await benchText(), arrow_cache: await benchCache() };
}
