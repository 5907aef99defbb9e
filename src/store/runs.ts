import type { Db } from "./db.ts";
import { storableJson } from "./storable.ts";

export type RunKind = "ingest" | "preprocess" | "train" | "infer";

export interface RunRecord {
  id: string;
  kind: RunKind;
  status: "running" | "succeeded" | "failed";
  started_at: Date;
  finished_at: Date | null;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  model_version: string | null;
  code_version: string | null;
}

/** A sortable, readable run id: `<kind>-<UTC timestamp>-<random>`. */
export function newRunId(kind: RunKind, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${kind}-${stamp}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function startRun(
  db: Db,
  kind: RunKind,
  options: { id?: string; params?: Record<string, unknown>; modelVersion?: string; codeVersion?: string } =
    {},
): Promise<string> {
  const id = options.id ?? newRunId(kind);
  await db.query(
    `insert into runs (id, kind, params, model_version, code_version) values ($1, $2, $3::jsonb, $4, $5)
     on conflict (id) do update set status = 'running', finished_at = null`,
    [
      id,
      kind,
      storableJson(options.params ?? {}),
      options.modelVersion ?? null,
      options.codeVersion ?? null,
    ],
  );
  return id;
}

export async function finishRun(
  db: Db,
  id: string,
  outcome: { status: "succeeded" | "failed"; summary: Record<string, unknown> },
): Promise<void> {
  await db.query(
    "update runs set status = $2, summary = $3::jsonb, finished_at = now() where id = $1",
    [id, outcome.status, storableJson(outcome.summary)],
  );
}

export async function listRuns(
  db: Db,
  options: { kind?: RunKind; limit?: number } = {},
): Promise<RunRecord[]> {
  return await db.query<RunRecord & Record<string, unknown>>(
    `select * from runs where $1::text is null or kind = $1 order by started_at desc limit $2`,
    [options.kind ?? null, options.limit ?? 50],
  );
}
