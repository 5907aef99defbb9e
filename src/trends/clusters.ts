/**
 * Tag clusters: a co-occurrence graph of predicted tags (edges weighted by PMI or Jaccard, with a
 * minimum co-occurrence count) split into communities by Louvain with a seeded rng (deterministic).
 */
import { UndirectedGraph } from "graphology";
import louvainModule from "graphology-communities-louvain";
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import { byCodeUnits, readPeriods, sumPeriods, tagsById } from "./_periods.ts";
import { mulberry32 } from "@/core/mod.ts";

/** The part of the louvain module used here (its CommonJS typings do not resolve a default export). */
interface Louvain {
  detailed(
    graph: UndirectedGraph,
    options: { getEdgeWeight: string; resolution: number; rng: () => number },
  ): { communities: Record<string, number>; modularity: number };
}
const louvain = louvainModule as unknown as Louvain;

export interface ClusterOptions extends TrendFilter {
  /** Edge weight: pointwise mutual information log(n_ab N / (n_a n_b)), or n_ab / (n_a + n_b - n_ab). @default "pmi" */
  weight?: "pmi" | "jaccard";
  /** Fewest posts carrying both tags for an edge. @default 3 */
  minCount?: number;
  /** Louvain resolution (higher: smaller communities). @default 1 */
  resolution?: number;
  /** Seed of Louvain's rng. @default 42 */
  seed?: number;
}

export interface ClusterNode {
  tag: string;
  /** Sampled posts carrying the tag. */
  tagged: number;
  community: number;
}

export interface ClusterEdge {
  source: string;
  target: string;
  /** Posts carrying both tags. */
  count: number;
  weight: number;
}

export interface Clusters {
  /** Sampled posts in range (N of the PMI). */
  posts: number;
  nodes: ClusterNode[];
  edges: ClusterEdge[];
  /** Communities, largest first; ids match `ClusterNode.community`. */
  communities: { id: number; tags: string[] }[];
  modularity: number;
}

export async function tagClusters(db: Db, options: ClusterOptions = {}): Promise<Clusters> {
  const weightKind = options.weight ?? "pmi";
  const minCount = options.minCount ?? 3;
  const [rows, vocabulary] = await Promise.all([
    readPeriods(db, options, { coarsest: "month", tags: true, pairs: true }),
    tagsById(db),
  ]);
  const sums = sumPeriods(rows);
  const n = sums.posts;
  const name = (id: string) => vocabulary.get(id)?.name;
  const tagRows = [...sums.tags].flatMap(([id, tagged]) => {
    const tag = name(id);
    return tag === undefined || tagged <= 0 ? [] : [{ tag, tagged }];
  }).sort((a, b) => byCodeUnits(a.tag, b.tag));
  const pairRows = [...sums.pairs].flatMap(([key, count]) => {
    const [a, b] = key.split(",").map(name);
    return a === undefined || b === undefined || count < minCount ? [] : [{ a, b, count }];
  }).sort((x, y) => byCodeUnits(x.a, y.a) || byCodeUnits(x.b, y.b));
  const tagged = new Map(tagRows.map((r) => [r.tag, r.tagged]));
  const graph = new UndirectedGraph();
  for (const r of tagRows) graph.addNode(r.tag);
  const edges: ClusterEdge[] = [];
  for (const r of pairRows) {
    const na = tagged.get(r.a) ?? 0;
    const nb = tagged.get(r.b) ?? 0;
    const weight = weightKind === "pmi" ? Math.log((r.count * n) / (na * nb)) : r.count / (na + nb - r.count);
    if (!(weight > 0)) continue; // Louvain needs positive weights; PMI <= 0 means no affinity
    edges.push({ source: r.a, target: r.b, count: r.count, weight });
    graph.addEdge(r.a, r.b, { weight });
  }
  let raw: Record<string, number> = {};
  let modularity = 0;
  if (graph.order > 0) {
    const result = louvain.detailed(graph, {
      getEdgeWeight: "weight",
      resolution: options.resolution ?? 1,
      rng: mulberry32(options.seed ?? 42),
    });
    raw = result.communities;
    modularity = graph.size > 0 ? result.modularity : 0;
  }
  // Renumber: largest community first, ties by first tag name.
  const groups = new Map<number, string[]>();
  for (const r of tagRows) {
    const c = raw[r.tag] ?? 0;
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c)!.push(r.tag);
  }
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length || byCodeUnits(a[0], b[0]));
  const communityOf = new Map<string, number>();
  ordered.forEach((tags, id) => tags.forEach((t) => communityOf.set(t, id)));
  return {
    posts: n,
    nodes: tagRows.map((r) => ({ tag: r.tag, tagged: r.tagged, community: communityOf.get(r.tag)! })),
    edges,
    communities: ordered.map((tags, id) => ({ id, tags })),
    modularity,
  };
}
