/** Prediction rows of a scored batch, by COPY (PostgreSQL) or one insert that skips existing rows. */
import type { CopyValue, Db } from "@/store/mod.ts";

/** A scored batch: probabilities of `feats.ids` x `tags`, row-major. */
export interface ScoredBatch {
  feats: { ids: string[]; count: number };
  probs: Float32Array;
  /** The model's decision per (post, tag), same layout. */
  decisions: Uint8Array;
  tags: number[];
}

export const PREDICTION_COLUMNS = [
  "run_id",
  "post_id",
  "tag_id",
  "probability",
  "predicted",
  "model_version",
];

export function* predictionRows(runId: string, version: string, b: ScoredBatch): Generator<CopyValue[]> {
  const k = b.tags.length;
  for (let i = 0; i < b.feats.count; i++) {
    for (let j = 0; j < k; j++) {
      const p = b.probs[i * k + j];
      yield [runId, b.feats.ids[i], b.tags[j], p, b.decisions[i * k + j] === 1, version];
    }
  }
}

/** The batch through one `insert ... on conflict do nothing`; returns the rows written. */
export async function insertPredictions(
  db: Db,
  runId: string,
  version: string,
  b: ScoredBatch,
): Promise<number> {
  const k = b.tags.length, n = b.feats.count * k;
  const postCol = new Array<string>(n), tagCol = new Array<number>(n);
  const probCol = new Array<number>(n), predCol = new Array<number>(n);
  for (let i = 0; i < b.feats.count; i++) {
    for (let j = 0; j < k; j++) {
      const p = b.probs[i * k + j];
      postCol[i * k + j] = b.feats.ids[i];
      tagCol[i * k + j] = b.tags[j];
      probCol[i * k + j] = p;
      predCol[i * k + j] = b.decisions[i * k + j]; // int: postgres.js mis-sends boolean[]
    }
  }
  const [w] = await db.query<{ n: number }>(
    `with ins as (
       insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
       select $1, u.post_id, u.tag_id, u.probability, u.predicted <> 0, $6
       from unnest($2::text[], $3::int[], $4::real[], $5::int[]) as u(post_id, tag_id, probability, predicted)
       on conflict do nothing returning 1)
     select count(*)::int as n from ins`,
    [runId, postCol, tagCol, probCol, predCol, version],
  );
  return w.n;
}
