/**
 * K-fold assignment for cross-validation over the labeled posts (train + dev) when labels are few.
 *
 * - Near-duplicates (the same text once URLs, mentions, digits, case and punctuation are set aside: a
 *   repost, a copy with another link) form one group and always share a fold, so a fold never scores a
 *   post whose twin it trained on.
 * - Posts that carry times (at least two distinct ones per fold) are time-blocked: groups sorted by their
 *   earliest time and cut into k contiguous blocks, so a fold's model has not seen that period's trends.
 * - Otherwise groups are spread by iterative stratification (Sechidis et al., 2011): the rarest tag's
 *   groups are placed first, each in the fold that still wants that tag most, so every fold gets its
 *   share of every tag, rare ones included.
 *
 * @module
 */
import { mulberry32 } from "@/core/mod.ts";

/** One labeled post as the fold assignment sees it. */
export interface FoldItem {
  /** Tag indices. */
  tags: readonly number[];
  /** Milliseconds since the epoch, when the post has a time. */
  time?: number | null;
  /** The post's text, for near-duplicate groups. */
  text?: string;
}

/** Options of {@link assignFolds}. */
export interface FoldOptions {
  /** Number of folds. @default 5 */
  k?: number;
  /** Seed of the stratified assignment's order. @default 7 */
  seed?: number;
}

/** Folds of the items, and how they were made. */
export interface Folds {
  /** Fold of each item, in 0..k-1. */
  fold: Int32Array;
  k: number;
  method: "time" | "stratified";
  /** Items that share a fold with a near-duplicate. */
  duplicates: number;
}

/** The key under which near-duplicate texts meet ("" for a text with no words). */
export function duplicateKey(text: string): string {
  return text.normalize("NFKC").toLowerCase()
    .replace(/https?:\/\/\S+|www\.\S+/g, " ")
    .replace(/[@#]\w+/g, " ")
    .replace(/[^\p{L}\p{M}]+/gu, " ")
    .trim();
}

/** Assigns each item to one of `k` folds; see the module doc for the rules. */
export function assignFolds(items: readonly FoldItem[], options: FoldOptions = {}): Folds {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 2 || k > items.length) {
    throw new RangeError(`Cannot make "${k}" folds of ${items.length} posts: need 2 <= k <= posts`);
  }
  // groups of near-duplicates (texts without words stay alone)
  const groupOf = new Map<string, number>();
  const groups: number[][] = [];
  items.forEach((it, i) => {
    const key = it.text ? duplicateKey(it.text) : "";
    const g = key ? groupOf.get(key) : undefined;
    if (g === undefined) {
      if (key) groupOf.set(key, groups.length);
      groups.push([i]);
    } else groups[g].push(i);
  });
  const duplicates = groups.reduce((s, g) => s + (g.length > 1 ? g.length : 0), 0);
  const fold = new Int32Array(items.length);
  const times = items.map((it) => it.time ?? null);
  const timed = times.every((t) => t !== null) && new Set(times).size >= 2 * k;
  if (timed) {
    const first = groups.map((g) => Math.min(...g.map((i) => times[i]!)));
    const order = groups.map((_, g) => g).sort((a, b) => first[a] - first[b] || a - b);
    let placed = 0;
    for (const g of order) {
      const f = Math.min(k - 1, Math.floor((placed * k) / items.length));
      for (const i of groups[g]) fold[i] = f;
      placed += groups[g].length;
    }
    return { fold, k, method: "time", duplicates };
  }
  stratify(items, groups, fold, k, options.seed ?? 7);
  return { fold, k, method: "stratified", duplicates };
}

function stratify(items: readonly FoldItem[], groups: number[][], fold: Int32Array, k: number, seed: number) {
  const tagsOf = groups.map((g) => [...new Set(g.flatMap((i) => items[i].tags))]);
  const count = new Map<number, number>();
  for (const it of items) for (const t of it.tags) count.set(t, (count.get(t) ?? 0) + 1);
  const want = new Map<number, Float64Array>(); // tag -> positives each fold still wants
  for (const [t, n] of count) want.set(t, new Float64Array(k).fill(n / k));
  const size = new Float64Array(k).fill(items.length / k); // posts each fold still wants
  const rand = mulberry32(seed);
  const shuffled = groups.map((_, g) => ({ g, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.g);
  const rarest = (g: number) => Math.min(Infinity, ...tagsOf[g].map((t) => count.get(t)!));
  const order = shuffled.map((g, pos) => ({ g, pos, rare: rarest(g) }))
    .sort((a, b) => a.rare - b.rare || a.pos - b.pos);
  for (const { g } of order) {
    const tag = tagsOf[g].length
      ? tagsOf[g].reduce((a, b) => (count.get(a)! <= count.get(b)! ? a : b))
      : undefined;
    let best = 0, bestScore = -Infinity;
    for (let f = 0; f < k; f++) {
      const score = (tag === undefined ? 0 : want.get(tag)![f]) * 1e6 + size[f];
      if (score > bestScore) [best, bestScore] = [f, score];
    }
    for (const i of groups[g]) fold[i] = best;
    size[best] -= groups[g].length;
    for (const i of groups[g]) for (const t of items[i].tags) want.get(t)![best]--;
  }
}

/** Item indices in fold `f` (`held`) and in the other folds (`fit`). */
export function foldRows(folds: Folds, f: number): { fit: number[]; held: number[] } {
  const fit: number[] = [], held: number[] = [];
  folds.fold.forEach((g, i) => (g === f ? held : fit).push(i));
  return { fit, held };
}
