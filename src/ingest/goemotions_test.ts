import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { DEFAULT_GOEMOTIONS_DIR } from "./sources.ts";
import { readGoEmotions } from "./goemotions.ts";

const dir = Deno.env.get("GOEMOTIONS_DIR") ?? DEFAULT_GOEMOTIONS_DIR;

Deno.test({
  name: "readGoEmotions() reads all 54,263 posts with their split and known labels",
  ignore: !existsSync(`${dir}/labels.txt`) && !Deno.env.get("CI"),
  async fn() {
    const splits: Record<string, number> = {};
    const tags = new Map<string, number>();
    let skipped = 0;
    for await (const item of readGoEmotions(dir)) {
      if (item.kind === "skip") {
        skipped++;
        continue;
      }
      splits[item.post.split!] = (splits[item.post.split!] ?? 0) + 1;
      for (const t of item.post.labels!) tags.set(t, (tags.get(t) ?? 0) + 1);
      assert.equal(item.post.createdAt, undefined);
    }
    assert.equal(skipped, 0);
    assert.deepEqual(splits, { train: 43410, dev: 5426, test: 5427 });
    assert.equal(tags.size, 28);
    assert.ok(tags.get("neutral")! > tags.get("grief")!);
  },
});
