/**
 * The pipeline end to end on a small generated corpus, on the embedded PGlite: sample → ingest (with a
 * corrupt image and an empty video planted) → preprocess (bad media quarantined, rerun from the cache)
 * → train twice with one seed (same metrics; a manifest and a registry with a current model) → the
 * saved model loads and predicts exactly what the trained one did.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSettings } from "@/config/mod.ts";
import {
  assembleFeatures,
  createEncoder,
  loadFitted,
  precomputeFeatures,
  prepareTexts,
} from "@/encode/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { loadFusionModel, predict } from "@/model/mod.ts";
import { createAnonymizer, FileBlobStore, readDataset, type Store } from "@/store/mod.ts";
import { checkDrift, ModelRegistry, readManifests, train } from "@/train/mod.ts";
import { generateSample } from "../tools/sample/mod.ts";
import { freshPglite } from "./support/db.ts";
import { testEncoderCache } from "./support/encoders.ts";

Deno.test({
  name:
    "the pipeline runs end to end: bad media set aside, cache reused, training reproducible, model reloads",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "pipeline-e2e-" });
    const settings = loadSettings({
      POSTTAGGER_ROOT: root,
      ANON_SECRET: "e".repeat(40),
      ENCODER_CACHE_DIR: await testEncoderCache(),
    });
    const sampleDir = join(root, "raw", "sample");
    await generateSample(sampleDir, { posts: 160, seed: 11 });
    // Plant bad media: a corrupt JPEG and an empty video on two extra posts.
    await Deno.writeFile(
      join(sampleDir, "media", "bad.jpg"),
      new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    );
    await Deno.writeFile(join(sampleDir, "media", "empty.mp4"), new Uint8Array(0));
    const extra = [
      {
        id: "bad-img",
        platform: "mastodon",
        created_at: "2026-10-20T10:00:00Z",
        text: "look at this #photo",
        media: [{ kind: "image", path: "media/bad.jpg" }],
      },
      {
        id: "bad-vid",
        platform: "mastodon",
        created_at: "2026-10-21T10:00:00Z",
        media: [{ kind: "video", path: "media/empty.mp4" }],
      },
    ];
    await Deno.writeTextFile(
      join(sampleDir, "posts.jsonl"),
      extra.map((e) => JSON.stringify(e)).join("\n") + "\n",
      { append: true },
    );

    const db = await freshPglite();
    const store: Store = {
      db,
      blobs: new FileBlobStore(join(root, "data", "blobs")),
      anon: createAnonymizer("e".repeat(40)),
      close: () => db.close(),
    };
    try {
      const ing = await ingest(store, readJsonlPosts(join(sampleDir, "posts.jsonl")), { source: "sample" });
      assert.equal(ing.stored, 162);

      const posts = await readDataset(db);
      const encoder = await createEncoder("image", "mobilenet-v2", {
        cacheDir: settings.encoderCacheDir,
      });
      const ctx = { blobs: store.blobs, cacheRoot: join(root, "data", "features"), imageEncoder: encoder };
      const first = await precomputeFeatures(posts, ctx);
      const badIds = new Set([
        store.anon.post("mastodon", "bad-img"),
        store.anon.post("mastodon", "bad-vid"),
      ]);
      const flagged = first.problems.filter((p) => badIds.has(p.postId));
      assert.deepEqual(flagged.map((p) => p.modality).sort(), ["image", "video"]);
      assert.ok(first.computed > 100);
      const again = await precomputeFeatures(posts, ctx);
      assert.equal(again.computed, 0, "a rerun recomputes nothing");
      assert.equal(again.cache_hits, first.computed);
      await encoder.close();

      const opts = { source: "sample", epochs: 4, minTagPosts: 3, seed: 5 };
      const a = await train(store, settings, opts);
      const b = await train(store, settings, opts);
      assert.ok(a.manifest.metrics.weighted_f05 > 0 && a.manifest.metrics.weighted_f05 <= 1);
      assert.ok(
        Math.abs(a.manifest.metrics.weighted_f05 - b.manifest.metrics.weighted_f05) < 1e-6,
        "same seed, same data, same metrics",
      );
      assert.equal(a.manifest.data.snapshot_hash, b.manifest.data.snapshot_hash);
      assert.equal(a.manifest.data.split_method, "time");
      // the vocabulary's tags first, then tags only test posts carry (never predicted, still scored)
      assert.deepEqual(
        a.manifest.metrics.per_tag.slice(0, a.manifest.tags.length).map((t) => t.tag),
        a.manifest.tags,
      );
      // few labels: 5-fold cross-validation over train + dev, recorded with what it chose
      assert.equal(a.manifest.protocol?.method, "cv");
      assert.equal(a.manifest.protocol?.folds, 5);
      assert.equal(a.manifest.protocol?.fold_method, "time");
      assert.equal(a.manifest.calibration?.length, a.manifest.tags.length);
      assert.ok(
        a.manifest.curves!.epoch.length > 0 && a.manifest.curves!.val_weighted_f05.every(Number.isFinite),
      );
      const lines =
        (await Deno.readTextFile(join(settings.runsDir, a.manifest.run_id, "test_predictions.jsonl")))
          .trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, a.manifest.data.counts.test);
      assert.deepEqual(Object.keys(lines[0]), ["post", "lang", "true", "predicted", "probabilities"]);
      assert.deepEqual(Object.keys(a.manifest.metrics.ablation).sort(), [
        "image",
        "metadata",
        "text",
        "video",
      ]);
      assert.equal(a.manifest.backend, "wasm");
      assert.ok(b.manifest.model.promoted, b.manifest.model.reason);
      assert.match(b.manifest.model.reason, /on the same test set/);
      assert.equal(await new ModelRegistry(settings.modelsDir).current(), b.manifest.model.version);
      assert.equal((await readManifests(settings.runsDir)).length, 2);

      // The drift check compares recent posts with the training window; an old model is always due.
      const drift = await checkDrift(store, settings, {
        recentDays: 60,
        now: new Date("2026-11-01T00:00:00Z"),
      });
      assert.ok(Object.keys(drift.psi).some((k) => k.startsWith("metadata:")), JSON.stringify(drift.psi));
      const old = await checkDrift(store, settings, { now: new Date(Date.now() + 90 * 86_400_000) });
      assert.equal(old.due, true);
      assert.match(old.reasons.join(";"), /days old/);

      // The saved model reloads and predicts what the manifest's scores came from.
      const { model, meta } = await loadFusionModel(b.manifest.model.path);
      assert.deepEqual(meta.tags, b.manifest.tags);
      const fitted = await loadFitted(b.manifest.model.path);
      const enc2 = await createEncoder("image", "mobilenet-v2", {
        cacheDir: settings.encoderCacheDir,
      });
      const some = posts.slice(0, 20);
      const feats = await assembleFeatures(some, await prepareTexts(some), fitted, {
        ...ctx,
        imageEncoder: enc2,
      });
      await enc2.close();
      const data = {
        count: feats.count,
        textIds: feats.textIds,
        textWeights: feats.textWeights,
        image: feats.image,
        video: feats.video,
        metadata: feats.metadata,
        mask: feats.mask,
      };
      const p1 = await predict(model, data);
      const p2 = await predict((await loadFusionModel(b.manifest.model.path)).model, data);
      assert.deepEqual(p1, p2);
      assert.ok(p1.every((x) => x >= 0 && x <= 1));
    } finally {
      await store.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
