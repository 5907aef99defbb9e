import assert from "node:assert/strict";
import { splitItems } from "./split.ts";

Deno.test("splitItems() trains on the oldest posts and tests on the newest", () => {
  const items = Array.from({ length: 100 }, (_, i) => ({
    id: `p${i}`,
    createdAt: new Date(Date.UTC(2025, 0, 1) + (99 - i) * 86_400_000), // ids run backwards in time
    tags: [i % 3],
  }));
  const { parts, method } = splitItems(items);
  assert.equal(method, "time");
  const byPart = (p: string) => items.filter((i) => parts.get(i.id) === p).map((i) => i.createdAt.getTime());
  assert.deepEqual([byPart("train").length, byPart("dev").length, byPart("test").length], [70, 15, 15]);
  assert.ok(Math.max(...byPart("train")) < Math.min(...byPart("dev")));
  assert.ok(Math.max(...byPart("dev")) < Math.min(...byPart("test")));
});

Deno.test("splitItems() keeps a source's own split when every item has one", () => {
  const { parts, method } = splitItems([
    { id: "a", split: "train", tags: [] },
    { id: "b", split: "test", tags: [1] },
  ]);
  assert.equal(method, "source");
  assert.equal(parts.get("b"), "test");
});

Deno.test("splitItems() stratifies untimed items so a rare tag reaches every part", () => {
  const items = Array.from({ length: 400 }, (_, i) => ({ id: `p${i}`, tags: i % 40 === 0 ? [0, 1] : [1] }));
  const { parts, method } = splitItems(items, { seed: 3 });
  assert.equal(method, "stratified");
  const rare = items.filter((i) => i.tags.includes(0)).map((i) => parts.get(i.id));
  for (const p of ["train", "dev", "test"]) {
    assert.ok(rare.includes(p as "train"), `rare tag missing from ${p}`);
  }
  const sizes = ["train", "dev", "test"].map((p) => [...parts.values()].filter((v) => v === p).length);
  assert.ok(Math.abs(sizes[0] - 280) <= 4 && Math.abs(sizes[1] - 60) <= 4, `sizes ${sizes}`);
  assert.deepEqual(splitItems(items, { seed: 3 }).parts, parts);
});
