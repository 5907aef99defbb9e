/** HLS streams (Bluesky videos) downloaded as one file, through the connectors' guarded HTTP client. */
import type { BytesResponse, HttpClient } from "./_http.ts";

/**
 * Download an HLS stream as one file: pick the lowest-bandwidth variant of a master playlist, then
 * concatenate its init map (fMP4) and segments.
 */
export async function downloadHls(
  http: HttpClient,
  playlistUrl: string,
  options: { /** Largest total size. @default 100_000_000 */ maxBytes?: number } = {},
): Promise<BytesResponse> {
  const maxBytes = options.maxBytes ?? 100_000_000;
  let url = playlistUrl;
  let text = await http.getText(url);
  if (!text.trimStart().startsWith("#EXTM3U")) {
    throw new RangeError(`Cannot read HLS playlist "${url}": missing "#EXTM3U" header`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const variants: { bandwidth: number; uri: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("#EXT-X-STREAM-INF:")) continue;
    const bandwidth = Number(/BANDWIDTH=(\d+)/.exec(lines[i])?.[1] ?? Infinity);
    const uri = lines.slice(i + 1).find((l) => l && !l.startsWith("#"));
    if (uri) variants.push({ bandwidth, uri });
  }
  if (variants.length) {
    variants.sort((a, b) => a.bandwidth - b.bandwidth);
    url = new URL(variants[0].uri, url).href;
    text = await http.getText(url);
  }
  if (/#EXT-X-KEY:(?!.*METHOD=NONE)/.test(text)) {
    throw new RangeError(`Cannot read HLS playlist "${url}": encrypted segments are not supported`);
  }
  const parts: string[] = [];
  const map = /#EXT-X-MAP:.*URI="([^"]+)"/.exec(text);
  if (map) parts.push(new URL(map[1], url).href);
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line && !line.startsWith("#")) parts.push(new URL(line, url).href);
  }
  if (parts.length === (map ? 1 : 0)) throw new RangeError(`Cannot read HLS playlist "${url}": no segments`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const part of parts) {
    const { bytes } = await http.getBytes(part);
    size += bytes.length;
    if (size > maxBytes) {
      throw new RangeError(`Cannot download video "${playlistUrl}": larger than maxVideoBytes "${maxBytes}"`);
    }
    chunks.push(bytes);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, mime: map ? "video/mp4" : "video/mp2t" };
}
