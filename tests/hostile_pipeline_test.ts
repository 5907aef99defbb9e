/**
 * The hostile corpus (tests/support/hostile_corpus.ts) through ingest → preprocess → infer on both
 * engines. No bad row stops a job; the counts add up at every stage; nothing from outside the import
 * folder reaches the blob store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { precomputeFeatures } from "@/encode/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { runInference } from "@/infer/mod.ts";
import { inferWorld, PERIOD_END } from "./support/infer_world.ts";
import { readDataset } from "@/store/mod.ts";
import { dbTest } from "./support/db.ts";
import { buildHostileCorpus, filesContaining } from "./support/hostile_corpus.ts";

const worldReady = inferWorld();
const corpusReady = buildHostileCorpus({ periodEnd: PERIOD_END });

dbTest(
  "the hostile corpus goes through ingest, preprocess and infer with every row accounted for",
  async (db) => {
    const world = await worldReady;
    const corpus = await corpusReady;
    const store = await world.storeFor(db);
    await world.model(store);

    // Ingest: read = stored + duplicates + quarantined, the bad rows each set aside with a reason.
    const s = await ingest(store, readJsonlPosts(corpus.jsonl), { source: "jsonl:hostile" });
    assert.equal(s.read, corpus.lines);
    assert.equal(s.stored, corpus.valid);
    assert.equal(s.duplicates, corpus.duplicates);
    assert.equal(s.outsideWindow, 0);
    assert.equal(s.read, s.stored + s.duplicates + s.quarantined);
    const q = await db.query<{ item: string; modality: string; reason: string }>(
      "select item, modality, reason from quarantine where stage = 'ingest' and source = 'jsonl:hostile'",
    );
    assert.equal(q.filter((r) => r.modality === "").length, s.quarantined);
    assert.equal(q.filter((r) => r.modality !== "").length, s.mediaFailed);
    assert.ok(q.every((r) => r.reason.length > 0));
    const media = await db.query<{ id: string; error: string | null }>(
      `select p.doc->>'text' as id, m.error from posts p join media m on m.post_id = p.id
     where p.source = 'jsonl:hostile'`,
    );
    const mediaError = Object.fromEntries(media.map((r) => [r.id, r.error ?? ""]));
    for (const id of ["escape-dots", "escape-absolute", "escape-passwd", "escape-symlink"]) {
      assert.match(mediaError[id], /outside the import folder/, id);
    }
    assert.match(mediaError.fifo, /not a regular file/);
    assert.match(mediaError.playlist, /unreadable video/);
    assert.deepEqual(await filesContaining(join(world.settings.dataDir, "blobs"), corpus.secrets), []);

    // Preprocess: every post of the window gets its features or a reason per modality.
    const posts = await readDataset(db, { since: corpus.from, source: "jsonl:hostile" });
    assert.equal(posts.length, corpus.valid);
    const pre = await precomputeFeatures(posts, {
      blobs: store.blobs,
      cacheRoot: join(world.settings.dataDir, "features"),
      imageEncoder: world.encoder,
    });
    assert.equal(pre.posts, posts.length);
    const ids = new Set(posts.map((p) => p.id));
    assert.ok(pre.problems.every((p) => ids.has(p.postId)));
    const byText = new Map(posts.map((p) => [p.doc.text, p.id]));
    const setAside = new Set(pre.problems.map((p) => p.postId));
    for (
      const bad of [
        "bomb",
        "truncated-image",
        "random-image",
        "random-video",
        "audio-only",
        "video-named-jpg",
      ]
    ) {
      assert.ok(setAside.has(byText.get(bad)!), `${bad} has no preprocess problem`);
    }
    for (const fine of ["png-named-jpg", "one-frame", "a fine post number 0 about film_tv_&_video"]) {
      assert.ok(byText.has(fine) && !setAside.has(byText.get(fine)!), fine);
    }

    // Infer: sampled = scored + quarantined, and a rerun changes nothing.
    const run = () =>
      runInference(store, world.settings, {
        since: "1d",
        until: PERIOD_END,
        sample: 100_000,
        seed: 1,
        imageEncoder: world.encoder,
        batchSize: 16,
      });
    const inf = await run();
    const inPeriod = await db.query<{ n: number }>(
      "select count(*)::int as n from posts where created_at >= $1 and created_at < $2",
      [inf.period.from, inf.period.to],
    );
    assert.equal(inf.sampled, inPeriod[0].n);
    assert.equal(inf.sampled, inf.scored + inf.quarantined);
    assert.ok(inf.scored >= corpus.valid - 2, `${inf.scored} scored`);
    const rows = async () =>
      (await db.query<{ n: number }>("select count(*)::int as n from predictions"))[0].n;
    const before = await rows();
    assert.equal(before, inf.scored * 2);
    const again = await run();
    assert.deepEqual([again.sampled, again.scored, again.quarantined, again.rows], [
      inf.sampled,
      inf.scored,
      inf.quarantined,
      0,
    ]);
    assert.equal(await rows(), before);
  },
);

Deno.test({
  name: "hostile corpus test worlds are removed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const world = await worldReady;
    await world.encoder.close();
    await Deno.remove(world.root, { recursive: true });
    await (await corpusReady).remove();
  },
});
