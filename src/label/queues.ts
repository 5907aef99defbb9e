/**
 * Which post an annotator sees next. Four queues, each a ranked list of candidate post ids:
 * - `uncertain` (default, active learning): unlabeled posts the current model is least sure about — the
 *   tag whose probability lies nearest its decision threshold — spread over tags and languages by
 *   taking the most uncertain post of each (tag, language) group in turn, so one tag or language never
 *   fills the queue. Posts the model has not scored come after, in random order.
 * - `random`: unlabeled posts in a uniform random order, for unbiased evaluation sets.
 * - `second-opinion`: posts exactly one other person labeled, so agreement can be measured.
 * - `disagreement`: posts where people disagree on a tag, for a deciding label.
 * Every queue leaves out posts this annotator labeled or skipped and posts another annotator holds now.
 */
import type { Db } from "@/store/mod.ts";

export const QUEUES = ["uncertain", "random", "second-opinion", "disagreement"] as const;
export type QueueName = typeof QUEUES[number];

/** What each queue does, in words the page shows. */
export const QUEUE_DESCRIPTIONS: Record<QueueName, string> = {
  uncertain: "posts the current model is least sure about, spread over tags and languages (active learning)",
  random: "unlabeled posts in random order (for an unbiased evaluation set)",
  "second-opinion": "posts one other annotator labeled: a second opinion measures agreement",
  disagreement: "posts where annotators disagree on a tag: yours decides",
};

/** The annotator who stands for labels that came with the data, not a person. */
export const SOURCE_ANNOTATOR = "source";

export interface Candidate {
  postId: string;
  /** How unsure the model is, 0 (sure) to 1 (on the threshold); null when it has not scored the post. */
  uncertainty: number | null;
  /** The tag the uncertainty is about (uncertain queue), or the disputed tags (disagreement). */
  tags: string[];
}

export interface CandidateOptions {
  /** Candidates to return. @default 20 */
  limit?: number;
  /** Decision threshold per tag name of the model that made the predictions. @default 0.5 for each */
  thresholds?: Record<string, number>;
  /** Varies the random order (a stable hash order). @default "posttagger" */
  seed?: string;
}

// A post is free for `$1` when this annotator has no assignment on it and nobody holds an unexpired lease.
const FREE = `not exists (select 1 from label_assignments a where a.post_id = p.id
    and (a.annotator = $1 or (a.status = 'open' and a.expires_at > now())))`;
const UNLABELED = `not exists (select 1 from labels l where l.post_id = p.id)`;

/** The ranked candidates of one queue for `annotator`. */
export async function queueCandidates(
  db: Db,
  annotator: string,
  queue: QueueName,
  options: CandidateOptions = {},
): Promise<Candidate[]> {
  const limit = options.limit ?? 20;
  const seed = options.seed ?? "posttagger";
  if (queue === "uncertain") return await uncertain(db, annotator, limit, seed, options.thresholds ?? {});
  if (queue === "random") {
    const rows = await db.query<{ id: string }>(
      `select p.id from posts p where ${UNLABELED} and ${FREE} order by md5(p.id || $2), p.id limit $3`,
      [annotator, seed, limit],
    );
    return rows.map((r) => ({ postId: r.id, uncertainty: null, tags: [] }));
  }
  if (queue === "second-opinion") {
    const rows = await db.query<{ id: string }>(
      `select p.id from posts p
       where ${FREE}
         and (select count(distinct l.annotator) from labels l where l.post_id = p.id and l.annotator <> $2) = 1
         and not exists (select 1 from labels l where l.post_id = p.id and l.annotator = $1)
       order by md5(p.id || $3), p.id limit $4`,
      [annotator, SOURCE_ANNOTATOR, seed, limit],
    );
    return rows.map((r) => ({ postId: r.id, uncertainty: null, tags: [] }));
  }
  // disagreement: on a post labeled by two or more people, a tag some gave and some did not.
  const rows = await db.query<{ id: string; tags: string[] }>(
    `with people as (
       select l.post_id, count(distinct l.annotator)::int as n from labels l
       where l.annotator <> $2 group by l.post_id having count(distinct l.annotator) >= 2),
     yes as (
       select l.post_id, t.name as tag, count(distinct l.annotator)::int as k
       from labels l join tags t on t.id = l.tag_id join people using (post_id)
       where l.annotator <> $2 and l.value group by l.post_id, t.name)
     select p.id, json_agg(y.tag order by y.tag) as tags
     from posts p join people pe on pe.post_id = p.id join yes y on y.post_id = p.id
     where y.k < pe.n and ${FREE}
       and not exists (select 1 from labels l where l.post_id = p.id and l.annotator = $1)
     group by p.id order by count(*) desc, md5(p.id || $3), p.id limit $4`,
    [annotator, SOURCE_ANNOTATOR, seed, limit],
  );
  return rows.map((r) => ({ postId: r.id, uncertainty: null, tags: r.tags }));
}

async function uncertain(
  db: Db,
  annotator: string,
  limit: number,
  seed: string,
  thresholds: Record<string, number>,
): Promise<Candidate[]> {
  // Uncertainty of a tag: 1 - |p - t| / (the distance from t to the end p lies towards), 1 on the threshold.
  const scored = await db.query<{ id: string; u: number; tag: string }>(
    `with pool as (
       select p.id, coalesce(p.doc->>'lang_detected', p.doc->>'lang', 'und') as lang
       from posts p where ${UNLABELED} and ${FREE}),
     latest as (
       select distinct on (pr.post_id) pr.post_id, pr.run_id
       from predictions pr join runs r on r.id = pr.run_id
       where pr.post_id in (select id from pool)
       order by pr.post_id, r.started_at desc, pr.run_id desc),
     scored as (
       select pr.post_id, t.name as tag, pr.probability as p,
              coalesce(($2::jsonb ->> t.name)::real, 0.5) as th
       from predictions pr join latest using (post_id, run_id) join tags t on t.id = pr.tag_id),
     unsure as (
       select distinct on (post_id) post_id, tag,
              1 - abs(p - th) / greatest(case when p >= th then 1 - th else th end, 1e-6) as u
       from scored order by post_id, u desc, tag),
     ranked as (
       select pool.id, s.tag, s.u,
              row_number() over (partition by s.tag, pool.lang order by s.u desc, md5(pool.id || $3)) as rk
       from pool join unsure s on s.post_id = pool.id)
     select id, u, tag from ranked order by rk, u desc, md5(id || $3) limit $4`,
    [annotator, JSON.stringify(thresholds), seed, limit],
  );
  const out: Candidate[] = scored.map((r) => ({ postId: r.id, uncertainty: Number(r.u), tags: [r.tag] }));
  if (out.length < limit) {
    const unscored = await db.query<{ id: string }>(
      `select p.id from posts p where ${UNLABELED} and ${FREE}
         and not exists (select 1 from predictions pr where pr.post_id = p.id)
       order by md5(p.id || $2), p.id limit $3`,
      [annotator, seed, limit - out.length],
    );
    for (const r of unscored) out.push({ postId: r.id, uncertainty: null, tags: [] });
  }
  return out;
}
