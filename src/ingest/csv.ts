/**
 * CSV import of posts, with a header row. Columns (only id and created_at are required):
 *   id, platform, created_at, text, lang, media (paths separated by ";", kind from the extension),
 *   user_id, user_followers, user_following, user_posts, user_verified, user_created_at, device,
 *   labels (separated by "," ";" or "|"), annotator, split
 * Unknown columns are refused, so a misspelt header does not silently drop data.
 */
import { dirname, resolve } from "node:path";
import { parseCsv, readLines } from "./_csv_parse.ts";
import { recordToPost } from "./_fields.ts";
import type { FileImportOptions } from "./jsonl.ts";
import { post, skip, type SourceItem } from "./source_item.ts";

export const CSV_COLUMNS = [
  "id",
  "platform",
  "created_at",
  "text",
  "lang",
  "media",
  "user_id",
  "user_followers",
  "user_following",
  "user_posts",
  "user_verified",
  "user_created_at",
  "device",
  "labels",
  "annotator",
  "split",
] as const;

export async function* readCsvPosts(
  path: string,
  options: FileImportOptions = {},
): AsyncGenerator<SourceItem> {
  const base = dirname(resolve(path));
  const root = resolve(options.mediaRoot ?? base);
  let header: string[] | undefined;
  for await (const { line, fields } of parseCsv(readLines(path))) {
    if (!header) {
      header = fields.map((f) => f.trim().toLowerCase());
      const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
      if (unknown.length > 0) {
        throw new RangeError(
          `Cannot import "${path}": unknown column(s) ${unknown.map((u) => `"${u}"`).join(", ")}; ` +
            `known: ${CSV_COLUMNS.join(", ")}`,
        );
      }
      for (const need of ["id", "created_at"]) {
        if (!header.includes(need)) {
          throw new RangeError(`Cannot import "${path}": the header has no "${need}" column`);
        }
      }
      continue;
    }
    const where = `${path}:${line}`;
    if (fields.length !== header.length) {
      yield skip(where, `malformed row: ${fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const record = Object.fromEntries(header.map((h, i) => [h, fields[i]]));
    try {
      const p = recordToPost(record, { platform: options.platform ?? "import" });
      for (const m of p.media) if (m.path) Object.assign(m, { path: resolve(base, m.path), root });
      yield post(p, where);
    } catch (err) {
      yield skip(where, (err as Error).message, record.id || undefined);
    }
  }
}
