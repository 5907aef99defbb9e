import type { Db } from "./db.ts";
import { storableJson } from "./storable.ts";

/** Something set aside instead of processed, with enough to find it again and the reason. */
export interface QuarantineItem {
  stage: "ingest" | "preprocess" | "train" | "infer";
  source: string;
  /** Post id, `file:line`, URL ... */
  item: string;
  modality?: "text" | "image" | "video" | "metadata" | "";
  reason: string;
  detail?: Record<string, unknown>;
  runId?: string;
}

/** Records items set aside; the same item at the same stage is recorded once (its reason refreshed). */
export async function quarantine(db: Db, items: QuarantineItem[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((q) => ({
    stage: q.stage,
    source: q.source,
    item: q.item,
    modality: q.modality ?? "",
    reason: q.reason,
    detail: q.detail ?? {},
    run_id: q.runId ?? null,
  }));
  await db.query(
    `insert into quarantine (stage, source, item, modality, reason, detail, run_id)
     select distinct on (stage, source, item, modality) stage, source, item, modality, reason, detail, run_id
     from jsonb_to_recordset($1::jsonb) as r(stage text, source text, item text, modality text, reason text,
       detail jsonb, run_id text)
     on conflict (stage, source, item, modality)
     do update set reason = excluded.reason, detail = excluded.detail, run_id = excluded.run_id, created_at = now()`,
    [storableJson(rows)],
  );
}

export async function quarantineCounts(
  db: Db,
  stage?: string,
): Promise<{ stage: string; reason: string; n: number }[]> {
  return await db.query(
    `select stage, reason, count(*)::int as n from quarantine where $1::text is null or stage = $1
     group by stage, reason order by n desc`,
    [stage ?? null],
  );
}
