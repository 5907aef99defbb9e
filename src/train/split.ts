/**
 * Train/validation/test splits. Posts with times are split by time — train on the older part, validate
 * and test on the most recent — because that is how the model is used (tagging tomorrow's posts), and a
 * random split would leak a trend's future into training. Posts without times (GoEmotions) use the
 * source's own split when it has one, else an iterative stratification by tag so rare tags reach every part.
 */
import { mulberry32 } from "@/core/mod.ts";

export type Part = "train" | "dev" | "test";

export interface SplitItem {
  id: string;
  createdAt?: Date | null;
  /** The source's own split, kept when every item has one. */
  split?: Part | null;
  /** Tag indices, for stratification. */
  tags: number[];
}

export interface SplitOptions {
  /** Share of items for validation. @default 0.15 */
  dev?: number;
  /** Share of items for test. @default 0.15 */
  test?: number;
  /** For the stratified split. @default 7 */
  seed?: number;
}

export interface SplitResult {
  parts: Map<string, Part>;
  method: "source" | "time" | "stratified";
}

export function splitItems(items: SplitItem[], options: SplitOptions = {}): SplitResult {
  const devShare = options.dev ?? 0.15;
  const testShare = options.test ?? 0.15;
  if (items.length > 0 && items.every((i) => i.split)) {
    return { parts: new Map(items.map((i) => [i.id, i.split!])), method: "source" };
  }
  if (items.length > 0 && items.every((i) => i.createdAt)) {
    const sorted = [...items].sort((a, b) =>
      a.createdAt!.getTime() - b.createdAt!.getTime() || (a.id < b.id ? -1 : 1)
    );
    const nTest = Math.round(sorted.length * testShare);
    const nDev = Math.round(sorted.length * devShare);
    const nTrain = sorted.length - nDev - nTest;
    const parts = new Map<string, Part>();
    sorted.forEach((it, i) => parts.set(it.id, i < nTrain ? "train" : i < nTrain + nDev ? "dev" : "test"));
    return { parts, method: "time" };
  }
  return { parts: stratified(items, devShare, testShare, options.seed ?? 7), method: "stratified" };
}

/** Iterative stratification (Sechidis et al., 2011): the rarest tag's items are placed first. */
function stratified(
  items: SplitItem[],
  devShare: number,
  testShare: number,
  seed: number,
): Map<string, Part> {
  const rand = mulberry32(seed);
  const order = items.map((it) => ({ it, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.it);
  const shares: Record<Part, number> = { train: 1 - devShare - testShare, dev: devShare, test: testShare };
  const partsList: Part[] = ["train", "dev", "test"];
  const tagCount = new Map<number, number>();
  for (const it of order) for (const t of it.tags) tagCount.set(t, (tagCount.get(t) ?? 0) + 1);
  const want = new Map<string, number>(); // `${part}:${tag}` -> still wanted
  for (const [t, n] of tagCount) for (const p of partsList) want.set(`${p}:${t}`, n * shares[p]);
  const size: Record<Part, number> = {
    train: order.length * shares.train,
    dev: order.length * shares.dev,
    test: order.length * shares.test,
  };
  const out = new Map<string, Part>();
  // Rarest tag of each item decides its turn; untagged items last.
  const rarest = (it: SplitItem) =>
    it.tags.length ? Math.min(...it.tags.map((t) => tagCount.get(t)!)) : Infinity;
  const queue = [...order].sort((a, b) => rarest(a) - rarest(b));
  for (const it of queue) {
    const tag = it.tags.length
      ? it.tags.reduce((a, b) => tagCount.get(a)! <= tagCount.get(b)! ? a : b)
      : undefined;
    const score = (p: Part) => (tag === undefined ? 0 : want.get(`${p}:${tag}`)!) * 1e6 + size[p];
    const part = partsList.reduce((a, b) => (score(b) > score(a) ? b : a));
    out.set(it.id, part);
    size[part]--;
    for (const t of it.tags) want.set(`${part}:${t}`, want.get(`${part}:${t}`)! - 1);
  }
  return out;
}
