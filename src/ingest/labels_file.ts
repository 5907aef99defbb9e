/**
 * Labels alone, from JSONL (`{"platform","id","tag","annotator","value"?,"labeled_at"?}` a line) or CSV
 * with those columns. A label for a post that is not in the store is quarantined, not guessed at.
 */
import { parseCsv, readLines } from "./_csv_parse.ts";
import {
  FieldError,
  optionalBool,
  optionalDate,
  optionalString,
  parseJsonRecord,
  readId,
  readTag,
} from "./_fields.ts";
import {
  analyzeTables,
  existingPostIds,
  insertLabels,
  type LabelRow,
  quarantine,
  type QuarantineItem,
  type Store,
} from "@/store/mod.ts";

export interface LabelImportSummary {
  read: number;
  stored: number;
  /** Already given by the same annotator. */
  duplicates: number;
  quarantined: number;
}

interface Parsed {
  where: string;
  row?: { platform: string; id: string; tag: string; annotator: string; value?: boolean; labeledAt?: Date };
  error?: string;
}

async function* records(path: string): AsyncGenerator<Parsed> {
  if (path.endsWith(".csv")) {
    let header: string[] | undefined;
    for await (const { line, fields } of parseCsv(readLines(path))) {
      if (!header) {
        header = fields.map((f) => f.trim().toLowerCase());
        continue;
      }
      yield parse(Object.fromEntries(header.map((h, i) => [h, fields[i]])), `${path}:${line}`);
    }
    return;
  }
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    if (!text.trim()) continue;
    try {
      yield parse(parseJsonRecord(text) as Record<string, unknown>, `${path}:${line}`);
    } catch (err) {
      yield { where: `${path}:${line}`, error: `malformed JSON: ${(err as Error).message}` };
    }
  }
}

function parse(o: Record<string, unknown>, where: string): Parsed {
  try {
    const platform = optionalString(o.platform, "platform");
    const rawTag = optionalString(o.tag, "tag");
    const annotator = optionalString(o.annotator, "annotator");
    if (!platform) throw new FieldError("missing platform");
    if (!rawTag?.trim()) throw new FieldError("missing tag");
    const tag = readTag(rawTag);
    if (!annotator) throw new FieldError("missing annotator");
    return {
      where,
      row: {
        platform,
        id: readId(o.id),
        tag,
        annotator,
        value: optionalBool(o.value, "value"),
        labeledAt: optionalDate(o.labeled_at, "labeled_at"),
      },
    };
  } catch (err) {
    return { where, error: (err as Error).message };
  }
}

export async function importLabels(
  store: Store,
  path: string,
  options: { source?: string; batchSize?: number } = {},
): Promise<LabelImportSummary> {
  const source = options.source ?? `labels:${path}`;
  const s: LabelImportSummary = { read: 0, stored: 0, duplicates: 0, quarantined: 0 };
  let batch: Parsed[] = [];
  const flush = async () => {
    const held: QuarantineItem[] = [];
    const ok = batch.filter((b) => b.row).map((b) => ({
      ...b,
      postId: store.anon.post(b.row!.platform, b.row!.id),
    }));
    const existing = await existingPostIds(store.db, ok.map((b) => b.postId));
    for (const b of batch) {
      if (b.error) held.push({ stage: "ingest", source, item: b.where, reason: b.error });
    }
    for (const b of ok) {
      if (!existing.has(b.postId)) {
        held.push({
          stage: "ingest",
          source,
          item: b.where,
          reason: "label for a post that is not in the store",
        });
      }
    }
    const rows: LabelRow[] = ok.filter((b) => existing.has(b.postId)).map((b) => ({
      postId: b.postId,
      tag: b.row!.tag,
      annotator: b.row!.annotator,
      value: b.row!.value,
      labeledAt: b.row!.labeledAt,
      source,
    }));
    const stored = await insertLabels(store.db, rows);
    s.stored += stored;
    s.duplicates += rows.length - stored;
    s.quarantined += held.length;
    await quarantine(store.db, held);
    batch = [];
  };
  for await (const r of records(path)) {
    s.read++;
    batch.push(r);
    if (batch.length >= (options.batchSize ?? 1000)) await flush();
  }
  await flush();
  if (s.stored > 0) await analyzeTables(store.db, ["labels", "tags"]);
  return s;
}
