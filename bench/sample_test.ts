import assert from "node:assert/strict";
import { benchSample } from "./sample.ts";

Deno.test("benchSample() reports timings and sizes for a small corpus and cleans up", async () => {
  const before = new Set<string>();
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const e of Deno.readDir(tmp)) before.add(e.name);
  const r = await benchSample({ posts: 6, seed: 1 });
  assert.equal(r.posts, 6);
  assert.ok(typeof r.total_s === "number" && r.total_s > 0);
  assert.ok(typeof r.images === "number" && typeof r.videos === "number" && r.images + r.videos > 0);
  assert.ok(typeof r.media_mb === "number" && r.media_mb > 0);
  for await (const e of Deno.readDir(tmp)) {
    if (e.name.startsWith("sample-bench-")) assert.ok(before.has(e.name), `left ${e.name}`);
  }
});
