import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { tagClusters } from "./clusters.ts";
import { refreshAggregates } from "./refresh.ts";
import { seedTrendData } from "../../tests/support/trend_seed.ts";

/** 10 posts: 3 {a,b}, 1 {a}, 3 {c,d}, 1 {c}, 1 {a,c}, 1 {}. */
async function seed(db: Db) {
  const sets = [["a", "b"], ["a", "b"], ["a", "b"], ["a"], ["c", "d"], ["c", "d"], ["c", "d"], ["c"], [
    "a",
    "c",
  ], []];
  await seedTrendData(db, {
    runs: [{ id: "r1", startedAt: "2026-02-01T00:00:00Z" }],
    posts: sets.map((_, i) => ({ id: `p${i}`, createdAt: "2026-01-10T12:00:00Z", lang: "en" })),
    predictions: sets.flatMap((set, i) =>
      ["a", "b", "c", "d"].map((tag) => ({
        post: `p${i}`,
        run: "r1",
        tag,
        probability: set.includes(tag) ? 0.9 : 0.1,
      }))
    ),
  });
  await refreshAggregates(db);
}

dbTest("tagClusters() weights co-occurrence by PMI and splits the graph into communities", async (db) => {
  await seed(db);
  const c = await tagClusters(db, { minCount: 2 });
  assert.equal(c.posts, 10);
  assert.deepEqual(c.nodes.map((n) => [n.tag, n.tagged]), [["a", 5], ["b", 3], ["c", 5], ["d", 3]]);
  assert.deepEqual(c.edges.map((e) => [e.source, e.target, e.count]), [["a", "b", 3], ["c", "d", 3]]);
  assert.ok(Math.abs(c.edges[0].weight - Math.log(2)) < 1e-9); // ln(3 * 10 / (5 * 3))
  assert.deepEqual(c.communities.map((x) => x.tags), [["a", "b"], ["c", "d"]]);
  assert.ok(c.modularity > 0.4);
});

dbTest("tagClusters() drops negative-PMI edges but keeps them under Jaccard", async (db) => {
  await seed(db);
  const pmi = await tagClusters(db, { minCount: 1 });
  assert.ok(!pmi.edges.some((e) => e.source === "a" && e.target === "c")); // ln(1 * 10 / 25) < 0
  const jac = await tagClusters(db, { minCount: 1, weight: "jaccard" });
  const ac = jac.edges.find((e) => e.source === "a" && e.target === "c");
  assert.ok(ac && Math.abs(ac.weight - 1 / 9) < 1e-9);
  assert.ok(Math.abs(jac.edges.find((e) => e.source === "a" && e.target === "b")!.weight - 0.6) < 1e-9);
  assert.deepEqual(jac.communities.map((x) => x.tags), [["a", "b"], ["c", "d"]]);
  assert.deepEqual(await tagClusters(db, { minCount: 1, weight: "jaccard" }), jac); // seeded: same result
});

dbTest("tagClusters() returns an empty graph for a range without posts", async (db) => {
  await seed(db);
  const c = await tagClusters(db, { from: "2027-01-01" });
  assert.deepEqual(c, { posts: 0, nodes: [], edges: [], communities: [], modularity: 0 });
});
