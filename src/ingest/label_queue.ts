/**
 * Labeling by hand: pick posts nobody has labeled yet (with the current model's suggestions when it has
 * scored them), record an annotator's labels with the time, import a CSV of labels keyed by stored post id,
 * and measure how far two annotators agree (Cohen's kappa per tag).
 */
import {
  type DatasetPost,
  type Db,
  existingPostIds,
  insertLabels,
  type LabelRow,
  readDataset,
} from "@/store/mod.ts";
import { parseCsv, readLines } from "./_csv_parse.ts";

/** A tag the model predicted for a post, with its probability. */
export interface Suggestion {
  tag: string;
  probability: number;
}

export interface QueueItem {
  post: DatasetPost;
  /** Tags the latest inference run predicted for this post, most probable first; empty when none. */
  suggestions: Suggestion[];
}

export interface UnlabeledOptions {
  /** Posts to return. @default 5 */
  limit?: number;
  /** Varies which posts come first (a stable hash order, so a rerun shows the same posts). @default "0" */
  seed?: string;
}

/** Posts without any label, in a stable pseudo-random order, each with the model's suggestions. */
export async function unlabeledPosts(db: Db, options: UnlabeledOptions = {}): Promise<QueueItem[]> {
  const { limit = 5, seed = "0" } = options;
  const ids = await db.query<{ id: string }>(
    `select p.id from posts p where not exists (select 1 from labels l where l.post_id = p.id)
     order by md5(p.id || $1), p.id limit $2`,
    [seed, limit],
  );
  if (ids.length === 0) return [];
  const posts = await readDataset(db, { ids: ids.map((r) => r.id) });
  const suggestions = await latestSuggestions(db, ids.map((r) => r.id));
  const order = new Map(ids.map((r, i) => [r.id, i]));
  return posts.sort((a, b) => order.get(a.id)! - order.get(b.id)!)
    .map((post) => ({ post, suggestions: suggestions.get(post.id) ?? [] }));
}

/** Predicted tags per post from the most recent inference run that scored it. */
export async function latestSuggestions(db: Db, postIds: string[]): Promise<Map<string, Suggestion[]>> {
  const rows = await db.query<{ post_id: string; tag: string; probability: number }>(
    `with latest as (
       select distinct on (pr.post_id) pr.post_id, pr.run_id
       from predictions pr join runs r on r.id = pr.run_id
       where pr.post_id = any($1::text[])
       order by pr.post_id, r.started_at desc, pr.run_id desc)
     select pr.post_id, t.name as tag, pr.probability
     from predictions pr join latest using (post_id, run_id) join tags t on t.id = pr.tag_id
     where pr.predicted
     order by pr.post_id, pr.probability desc, t.name`,
    [postIds],
  );
  const out = new Map<string, Suggestion[]>();
  for (const r of rows) {
    const list = out.get(r.post_id) ?? [];
    list.push({ tag: r.tag, probability: Number(r.probability) });
    out.set(r.post_id, list);
  }
  return out;
}

/** One decision of an annotator on one post: the tag applies (`value` true) or explicitly does not. */
export interface LabelDecision {
  postId: string;
  tag: string;
  /** @default true */
  value?: boolean;
}

export interface LabelBatch {
  /** Who gave the labels (a name or handle; not "source", which marks labels that came with the data). */
  annotator: string;
  decisions: LabelDecision[];
  /** When the labels were given. @default now */
  labeledAt?: Date;
  /** Recorded as the labels' source. @default "annotation" */
  source?: string;
}

/**
 * Stores an annotator's decisions with the time; returns how many were new (a label the same annotator
 * already gave for that post and tag is kept as it was). Unknown post ids are refused.
 */
export async function recordLabels(db: Db, batch: LabelBatch): Promise<number> {
  const { annotator, decisions } = batch;
  if (!annotator.trim()) throw new TypeError(`Cannot record labels: annotator "${annotator}" is empty`);
  const known = await existingPostIds(db, [...new Set(decisions.map((d) => d.postId))]);
  const missing = decisions.find((d) => !known.has(d.postId));
  if (missing) throw new RangeError(`Cannot record labels: post "${missing.postId}" is not in the store`);
  const labeledAt = batch.labeledAt ?? new Date();
  const rows: LabelRow[] = decisions.map((d) => ({
    postId: d.postId,
    tag: d.tag,
    value: d.value ?? true,
    annotator,
    source: batch.source ?? "annotation",
    labeledAt,
  }));
  return await insertLabels(db, rows);
}

export interface LabelCsvSummary {
  read: number;
  stored: number;
  /** Already given by the same annotator. */
  duplicates: number;
  /** `file:line: reason` for rows set aside (unknown post, missing field, bad value). */
  rejected: string[];
}

const TRUE = new Set(["1", "true", "yes", "y"]);
const FALSE = new Set(["0", "false", "no", "n"]);

/**
 * Imports labels from a CSV with a header `post_id,tag,annotator[,value][,labeled_at]`, keyed by the
 * stored (anonymized) post id — the form an annotation export has. Bad rows are listed, not stored.
 */
export async function importLabelCsv(
  db: Db,
  path: string,
  options: { source?: string } = {},
): Promise<LabelCsvSummary> {
  const source = options.source ?? `labels-csv:${path}`;
  const parsed: { where: string; row: LabelRow }[] = [];
  const rejected: string[] = [];
  let header: string[] | undefined;
  let read = 0;
  for await (const { line, fields } of parseCsv(readLines(path))) {
    if (!header) {
      header = fields.map((f) => f.trim().toLowerCase());
      for (const need of ["post_id", "tag", "annotator"]) {
        if (!header.includes(need)) {
          throw new SyntaxError(`Cannot import labels from "${path}": header lacks column "${need}"`);
        }
      }
      continue;
    }
    read++;
    const where = `${path}:${line}`;
    const get = (name: string) => fields[header!.indexOf(name)]?.trim() ?? "";
    const value = get("value").toLowerCase();
    const at = get("labeled_at");
    if (!get("post_id") || !get("tag") || !get("annotator")) {
      rejected.push(`${where}: post_id, tag and annotator are required`);
    } else if (value && !TRUE.has(value) && !FALSE.has(value)) {
      rejected.push(`${where}: value "${value}" is not a boolean`);
    } else if (at && Number.isNaN(Date.parse(at))) {
      rejected.push(`${where}: labeled_at "${at}" is not a date`);
    } else {
      parsed.push({
        where,
        row: {
          postId: get("post_id"),
          tag: get("tag"),
          annotator: get("annotator"),
          value: value ? TRUE.has(value) : true,
          labeledAt: at ? new Date(at) : undefined,
          source,
        },
      });
    }
  }
  const known = await existingPostIds(db, [...new Set(parsed.map((p) => p.row.postId))]);
  const good = parsed.filter((p) => {
    if (known.has(p.row.postId)) return true;
    rejected.push(`${p.where}: post "${p.row.postId}" is not in the store`);
    return false;
  });
  const stored = await insertLabels(db, good.map((p) => p.row));
  return { read, stored, duplicates: good.length - stored, rejected };
}

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

/** Removes every label one annotator gave (undoing a trial session); returns how many were removed. */
export async function removeAnnotatorLabels(db: Db, annotator: string): Promise<number> {
  if (annotator === "source") {
    throw new RangeError(`Cannot remove labels of annotator "source": those came with the data`);
  }
  const rows = await db.query<{ n: number }>(
    "with del as (delete from labels where annotator = $1 returning 1) select count(*)::int as n from del",
    [annotator],
  );
  return rows[0].n;
}
