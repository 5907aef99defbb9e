/**
 * JSONL import: one post a line.
 *
 *   {"id":"123","platform":"mastodon","created_at":"2025-03-02T10:11:12Z","text":"...","lang":"es",
 *    "media":[{"kind":"image","path":"media/123-0.jpg"}],
 *    "user":{"id":"u42","followers":1234,"following":56,"posts":789,"verified":false,"created_at":"2019-05-01"},
 *    "device":"android","labels":["travel","food"],"annotator":"ann1","split":"train"}
 *
 * Required: id, created_at. Media paths are relative to the file's folder and must stay inside it (or
 * inside `mediaRoot`). A line that cannot be read is
 * yielded as a skip with `file:line` and the reason; the rest go on.
 */
import { dirname, resolve } from "node:path";
import { readLines } from "./_csv_parse.ts";
import { parseJsonRecord, recordToPost } from "./_fields.ts";
import { post, skip, type SourceItem } from "./source_item.ts";

export interface FileImportOptions {
  /** Platform for records that do not name one. @default "import" */
  platform?: string;
  /**
   * The folder media paths must stay inside (symlinks resolved); a path outside it is refused and
   * recorded as a media error. @default the import file's folder
   */
  mediaRoot?: string;
}

export async function* readJsonlPosts(
  path: string,
  options: FileImportOptions = {},
): AsyncGenerator<SourceItem> {
  const base = dirname(resolve(path));
  const root = resolve(options.mediaRoot ?? base);
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    if (!text.trim()) continue;
    const where = `${path}:${line}`;
    let record: unknown;
    try {
      record = parseJsonRecord(text);
    } catch (err) {
      yield skip(where, `malformed JSON: ${(err as Error).message}`);
      continue;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      yield skip(where, "malformed row: expected a JSON object");
      continue;
    }
    try {
      const p = recordToPost(record as Record<string, unknown>, { platform: options.platform ?? "import" });
      for (const m of p.media) if (m.path) Object.assign(m, { path: resolve(base, m.path), root });
      yield post(p, where);
    } catch (err) {
      const id = (record as Record<string, unknown>).id;
      yield skip(
        where,
        (err as Error).message,
        typeof id === "string" || typeof id === "number" ? String(id) : undefined,
      );
    }
  }
}
