/**
 * Tag clusters: a co-occurrence graph of predicted tags (edges weighted by PMI or Jaccard, with a
 * minimum co-occurrence count) split into communities by Louvain with a seeded rng (deterministic).
 */
import { UndirectedGraph } from "graphology";
import louvainModule from "graphology-communities-louvain";
import type { Db } from "@/store/mod.ts";
import { filterSql, type TrendFilter } from "./_filter.ts";
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
  const pParams: unknown[] = [];
  const total = await db.query<{ n: number }>(
    `select coalesce(sum(posts), 0)::int as n from sampled_daily where ${filterSql(options, pParams)}`,
    pParams,
  );
  const n = total[0]?.n ?? 0;
  const tParams: unknown[] = [];
  const tagRows = await db.query<{ tag: string; tagged: number }>(
    `select t.name as tag, sum(d.tagged)::int as tagged from tag_daily d join tags t on t.id = d.tag_id
     where ${filterSql(options, tParams, "d")} group by 1 having sum(d.tagged) > 0 order by 1`,
    tParams,
  );
  const eParams: unknown[] = [minCount];
  const pairRows = await db.query<{ a: string; b: string; count: number }>(
    `select ta.name as a, tb.name as b, sum(d.posts)::int as count
     from tag_pair_daily d join tags ta on ta.id = d.tag_a join tags tb on tb.id = d.tag_b
     where ${filterSql(options, eParams, "d")} group by 1, 2 having sum(d.posts) >= $1 order by 1, 2`,
    eParams,
  );
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
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]));
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
