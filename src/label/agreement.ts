/**
 * How far annotators agree and how far labeling has come: Cohen's kappa per tag for each pair of people
 * who labeled the same posts, labels per annotator per day, and labeled posts per tag against the number
 * training needs before it keeps a tag.
 */
import type { Db } from "@/store/mod.ts";
import { SOURCE_ANNOTATOR } from "./queues.ts";

/**
 * Cohen's kappa of two raters' yes/no answers on the same items: (po - pe) / (1 - pe). NaN when
 * chance agreement is 1 (both give one and the same answer throughout: kappa is undefined) or no items.
 */
export function cohensKappa(a: readonly boolean[], b: readonly boolean[]): number {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot compute kappa: rater lengths "${a.length}" and "${b.length}" differ`);
  }
  const n = a.length;
  if (n === 0) return NaN;
  let agree = 0, aYes = 0, bYes = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) agree++;
    if (a[i]) aYes++;
    if (b[i]) bYes++;
  }
  const po = agree / n;
  const pe = (aYes / n) * (bYes / n) + (1 - aYes / n) * (1 - bYes / n);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/** A label as agreement needs it. */
export interface AnnotatorLabel {
  postId: string;
  tag: string;
  annotator: string;
  value: boolean;
}

export interface TagAgreement {
  tag: string;
  /** Posts both annotators labeled. */
  posts: number;
  /** Posts where the first / second annotator gave the tag. */
  yesA: number;
  yesB: number;
  /** Share of posts where both said the same. */
  observed: number;
  kappa: number;
}

/**
 * Kappa per tag for annotators `a` and `b` over the posts both labeled: on such a post a tag counts as
 * "yes" when the annotator gave it, "no" otherwise (an explicit false or simply not chosen).
 */
export function agreementByTag(labels: readonly AnnotatorLabel[], pair: [string, string]): TagAgreement[] {
  const [a, b] = pair;
  if (a === b) throw new RangeError(`Cannot compare annotators: both are "${a}"`);
  const yes = { [a]: new Set<string>(), [b]: new Set<string>() };
  const seen = { [a]: new Set<string>(), [b]: new Set<string>() };
  const tags = new Set<string>();
  for (const l of labels) {
    if (l.annotator !== a && l.annotator !== b) continue;
    seen[l.annotator].add(l.postId);
    tags.add(l.tag);
    if (l.value) yes[l.annotator].add(`${l.postId}\u0000${l.tag}`);
  }
  const both = [...seen[a]].filter((p) => seen[b].has(p)).sort();
  return [...tags].sort().map((tag) => {
    const ra = both.map((p) => yes[a].has(`${p}\u0000${tag}`));
    const rb = both.map((p) => yes[b].has(`${p}\u0000${tag}`));
    const same = ra.filter((x, i) => x === rb[i]).length;
    return {
      tag,
      posts: both.length,
      yesA: ra.filter(Boolean).length,
      yesB: rb.filter(Boolean).length,
      observed: both.length ? same / both.length : NaN,
      kappa: cohensKappa(ra, rb),
    };
  });
}

/** Reads the labels of two annotators from the store and computes {@linkcode agreementByTag}. */
export async function annotatorAgreement(db: Db, pair: [string, string]): Promise<TagAgreement[]> {
  const rows = await db.query<{ post_id: string; tag: string; annotator: string; value: boolean }>(
    `select l.post_id, t.name as tag, l.annotator, l.value from labels l join tags t on t.id = l.tag_id
     where l.annotator = any($1::text[])`,
    [pair],
  );
  return agreementByTag(
    rows.map((r) => ({ postId: r.post_id, tag: r.tag, annotator: r.annotator, value: r.value })),
    pair,
  );
}

export interface PairAgreement {
  annotators: [string, string];
  /** Posts both labeled. */
  posts: number;
  tags: TagAgreement[];
}

/**
 * Kappa per tag for every pair of people (not the data's own labels) who labeled at least `minPosts`
 * posts in common, pairs with most shared posts first.
 */
export async function pairwiseAgreement(
  db: Db,
  options: { minPosts?: number } = {},
): Promise<PairAgreement[]> {
  const rows = await db.query<{ post_id: string; tag: string; annotator: string; value: boolean }>(
    `select l.post_id, t.name as tag, l.annotator, l.value from labels l join tags t on t.id = l.tag_id
     where l.annotator <> $1
       and l.post_id in (select post_id from labels where annotator <> $1
                         group by post_id having count(distinct annotator) >= 2)`,
    [SOURCE_ANNOTATOR],
  );
  const labels = rows.map((r) => ({ postId: r.post_id, tag: r.tag, annotator: r.annotator, value: r.value }));
  const postsOf = new Map<string, Set<string>>();
  for (const l of labels) postsOf.set(l.annotator, (postsOf.get(l.annotator) ?? new Set()).add(l.postId));
  const people = [...postsOf.keys()].sort();
  const out: PairAgreement[] = [];
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const pair: [string, string] = [people[i], people[j]];
      const shared = [...postsOf.get(pair[0])!].filter((p) => postsOf.get(pair[1])!.has(p)).length;
      if (shared < Math.max(1, options.minPosts ?? 1)) continue;
      out.push({ annotators: pair, posts: shared, tags: agreementByTag(labels, pair) });
    }
  }
  return out.sort((a, b) => b.posts - a.posts || a.annotators.join().localeCompare(b.annotators.join()));
}

export interface AnnotatorDay {
  annotator: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Posts the annotator answered that day. */
  posts: number;
  /** Of which with at least one tag (the rest: "none of these"). */
  tagged: number;
}

/** Posts each person labeled per UTC day over the last `days` days, newest first. */
export async function labelsPerDay(db: Db, options: { days?: number } = {}): Promise<AnnotatorDay[]> {
  return await db.query<AnnotatorDay & Record<string, unknown>>(
    `select annotator, to_char(labeled_at at time zone 'UTC', 'YYYY-MM-DD') as day,
            count(distinct post_id)::int as posts,
            count(distinct post_id) filter (where value)::int as tagged
     from labels where annotator <> $1 and labeled_at >= now() - make_interval(days => $2)
     group by 1, 2 order by 2 desc, 1`,
    [SOURCE_ANNOTATOR, options.days ?? 30],
  );
}

export interface TagCoverage {
  tag: string;
  /** Posts labeled with the tag, by anyone (the data's own labels included): what training counts. */
  posts: number;
  /** Of which labeled by people. */
  byPeople: number;
  /** Training keeps a tag with at least this many labeled posts. */
  needed: number;
  /** Posts still missing before training keeps the tag (0 when it has enough). */
  missing: number;
}

/** Labeled posts per tag against `needed` (the training's minimum per tag), fewest first. */
export async function tagCoverage(db: Db, needed: number): Promise<TagCoverage[]> {
  const rows = await db.query<{ tag: string; posts: number; by_people: number }>(
    `select t.name as tag, count(distinct l.post_id) filter (where l.value)::int as posts,
            count(distinct l.post_id) filter (where l.value and l.annotator <> $1)::int as by_people
     from tags t left join labels l on l.tag_id = t.id group by t.name`,
    [SOURCE_ANNOTATOR],
  );
  return rows.map((r) => ({
    tag: r.tag,
    posts: r.posts,
    byPeople: r.by_people,
    needed,
    missing: Math.max(0, needed - r.posts),
  })).sort((a, b) => a.posts - b.posts || a.tag.localeCompare(b.tag));
}
