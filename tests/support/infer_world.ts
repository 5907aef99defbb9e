/**
 * A tiny world for inference tests: ~30 posts with small generated images (plus one with a broken image
 * and one with nothing usable) in a JSONL file, and a fusion model trained on them in seconds. Everything
 * lives under one temp root shared by a test file, so images are embedded once (the feature cache).
 */
import { join } from "node:path";
import sharp from "sharp";
import type { Settings } from "@/config/mod.ts";
import {
  assembleFeatures,
  createEncoder,
  fitFeatures,
  type ImageEmbedder,
  prepareTexts,
  saveFitted,
} from "@/encode/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { fit, saveFusionModel } from "@/model/mod.ts";
import { createAnonymizer, type Db, FileBlobStore, readDataset, type Store } from "@/store/mod.ts";
import { ModelRegistry } from "@/train/mod.ts";
import { testEncoderCache } from "./encoders.ts";

export const PERIOD_END = new Date("2026-05-02T00:00:00Z");
export const TAGS = ["cool", "warm"];

export interface InferWorld {
  root: string;
  settings: Settings;
  jsonl: string;
  encoder: ImageEmbedder & { close(): Promise<void> };
  /** Ingests the posts into `db` and returns a store over it. */
  storeFor(db: Db): Promise<Store>;
  /** Trains the model once (on the first store given) and makes it current; returns its version. */
  model(store: Store): Promise<string>;
}

export async function inferWorld(): Promise<InferWorld> {
  const root = await Deno.makeTempDir({ prefix: "infer-test-" });
  await Deno.mkdir(join(root, "media"));
  const lines: Record<string, unknown>[] = [];
  for (let i = 0; i < 30; i++) {
    const warm = i % 2 === 0;
    const file = `media/${i}.png`;
    await sharp({
      create: {
        width: 24 + (i % 5),
        height: 20,
        channels: 3,
        background: warm ? { r: 200 + i, g: 60, b: 20 } : { r: 20, g: 80, b: 190 + i },
      },
    }).png().toFile(join(root, file));
    lines.push({
      id: `p${i}`,
      platform: "mastodon",
      created_at: new Date(PERIOD_END.getTime() - (i + 1) * 2_700_000).toISOString(),
      text: warm ? `sunny beach fire summer ${i}` : `cold snow ice winter ${i}`,
      media: [{ kind: "image", path: file }],
      labels: [warm ? "warm" : "cool"],
    });
  }
  await Deno.writeTextFile(join(root, "media/broken.jpg"), "this is not an image");
  lines.push({
    id: "bad-image",
    platform: "mastodon",
    created_at: new Date(PERIOD_END.getTime() - 3_600_000).toISOString(),
    text: "sunny beach fire with a broken picture",
    media: [{ kind: "image", path: "media/broken.jpg" }],
  });
  lines.push({
    id: "nothing",
    platform: "mastodon",
    created_at: new Date(PERIOD_END.getTime() - 7_200_000).toISOString(),
    media: [{ kind: "image", path: "media/broken.jpg" }],
  });
  lines.push({ id: "old", platform: "mastodon", created_at: "2026-04-01T00:00:00Z", text: "sunny old post" });
  const jsonl = join(root, "posts.jsonl");
  await Deno.writeTextFile(jsonl, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const settings: Settings = {
    dataDir: join(root, "data"),
    secretPath: join(root, "secret"),
    modelsDir: join(root, "models"),
    runsDir: join(root, "runs"),
    encoderCacheDir: await testEncoderCache(),
    jpegDecoder: "auto",
  };
  const encoder = await createEncoder("image", "mobilenet-v2", {
    cacheDir: settings.encoderCacheDir,
  });
  let trained: Promise<string> | undefined;
  return {
    root,
    settings,
    jsonl,
    encoder,
    async storeFor(db) {
      const store: Store = {
        db,
        blobs: new FileBlobStore(join(settings.dataDir, "blobs")),
        anon: createAnonymizer("k".repeat(40)),
        close: () => db.close(),
      };
      await ingest(store, readJsonlPosts(jsonl), { source: "test" });
      return store;
    },
    model(store) {
      trained ??= trainTiny(store, settings, encoder);
      return trained;
    },
  };
}

async function trainTiny(store: Store, settings: Settings, encoder: ImageEmbedder): Promise<string> {
  const posts = await readDataset(store.db, { labeled: true });
  const texts = await prepareTexts(posts);
  const fitted = fitFeatures(posts, texts);
  const feats = await assembleFeatures(posts, texts, fitted, {
    blobs: store.blobs,
    cacheRoot: join(settings.dataDir, "features"),
    imageEncoder: encoder,
  });
  const byId = new Map(posts.map((p) => [p.id, p]));
  const labels = new Uint8Array(feats.count * TAGS.length);
  feats.ids.forEach((id, i) =>
    TAGS.forEach((t, j) => (labels[i * TAGS.length + j] = byId.get(id)!.tags.includes(t) ? 1 : 0))
  );
  const { model } = await fit({ ...feats, labels }, {
    seed: 3,
    epochs: 3,
    config: {
      seed: 3,
      inputSizes: {
        text: 0,
        image: feats.sizes.image,
        video: feats.sizes.video,
        metadata: feats.sizes.metadata,
      },
      sparseText: { buckets: fitted.ngrams.options.buckets, dim: 16, maxTokens: feats.sizes.maxTokens },
      numTags: TAGS.length,
    },
  });
  const registry = new ModelRegistry(settings.modelsDir);
  const version = "mtest";
  await saveFusionModel(model, registry.pathOf(version), {
    tags: TAGS,
    thresholds: [0.5, 0.45],
    metadataTransform: fitted.metadata as never,
  });
  await saveFitted(registry.pathOf(version), fitted);
  await registry.setCurrent(version);
  model.network.dispose();
  return version;
}
