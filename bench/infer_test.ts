import assert from "node:assert/strict";
import { freshPglite } from "../tests/support/db.ts";
import { benchInfer } from "./infer.ts";

Deno.test({
  name: "benchInfer() scores every synthetic post and reports consistent figures",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshPglite();
    try {
      const f = await benchInfer(db, {
        posts: 300,
        distinctTexts: 50,
        tags: 3,
        encodePosts: 4,
        batchSize: 100,
      });
      assert.equal(f.engine, "pglite");
      assert.equal(f.encode_posts, 4);
      const rows = await db.query<{ n: number }>("select count(*)::int as n from predictions");
      assert.equal(rows[0].n, 2 * 300 * 3 + 4 * 3); // two runs over the 300 posts, one over the 4 new
      assert.ok((f.cached_posts_per_s as number) > 0 && (f.encode_posts_per_s as number) > 0);
    } finally {
      await db.close();
    }
  },
});
