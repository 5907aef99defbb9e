import assert from "node:assert/strict";
import type { DatasetPost } from "@/store/mod.ts";
import { DEFAULT_FEATURE_CONFIG, withEncoders } from "./feature_config.ts";
import type { PreparedText } from "./texts.ts";
import { embedPostTexts, type TextEmbedder } from "./text_embeddings.ts";

const config = withEncoders(DEFAULT_FEATURE_CONFIG, { text: "hf-text:fake" });
const posts = ["a", "b", "c", "d"].map((id) => ({ id, media: [] }) as unknown as DatasetPost);
const texts = new Map<string, PreparedText>([
  ["a", { text: "hello", lang: "en" }],
  ["b", { text: "hello", lang: "en" }], // same text: embedded once
  ["c", { text: "poison", lang: "en" }],
  ["d", { text: "", lang: "und" }], // no text: nothing to embed
]);

function fake(version = "1") {
  const seen: string[][] = [];
  const encoder: TextEmbedder = {
    id: "hf-text:fake",
    version,
    dim: 2,
    encode(batch) {
      seen.push(batch);
      if (batch.includes("poison")) return Promise.reject(new Error("token id out of range"));
      return Promise.resolve(batch.map((t) => Float32Array.of(t.length, 1)));
    },
  };
  return { encoder, seen };
}

Deno.test("embedPostTexts() embeds each distinct text once, through the cache, and sets aside what fails", async () => {
  const cacheRoot = await Deno.makeTempDir();
  try {
    const { encoder, seen } = fake();
    const first = await embedPostTexts(posts, texts, config, { cacheRoot, textEncoder: encoder });
    // the failing batch is retried text by text: only "poison" is set aside, with a zero row
    assert.deepEqual(seen, [["hello", "poison"], ["hello"], ["poison"]]);
    assert.deepEqual(first.vectors.get("hello"), Float32Array.of(5, 1));
    assert.deepEqual(first.vectors.get("poison"), Float32Array.of(0, 0));
    assert.deepEqual(first.failed, [{
      postId: "c",
      reason: 'Cannot embed text with "hf-text:fake": token id out of range',
    }]);
    assert.deepEqual([first.hits, first.computed, first.dim], [0, 1, 2]);

    const again = fake();
    const second = await embedPostTexts(posts, texts, config, { cacheRoot, textEncoder: again.encoder });
    assert.deepEqual(again.seen, [["poison"], ["poison"]], "the cached text is not embedded again");
    assert.deepEqual([second.hits, second.computed], [1, 0]);

    const other = fake("2"); // other weights: another key, so nothing cached is reused
    const third = await embedPostTexts(posts, texts, config, { cacheRoot, textEncoder: other.encoder });
    assert.equal(third.hits, 0);
  } finally {
    await Deno.remove(cacheRoot, { recursive: true });
  }
});

Deno.test("embedPostTexts() refuses an encoder of other weights than the model was trained with", async () => {
  const { encoder } = fake("2");
  await assert.rejects(
    embedPostTexts(posts, texts, config, { cacheRoot: "/nonexistent", textEncoder: encoder }, {
      name: "hf-text:fake",
      id: "hf-text:fake@1",
      dim: 2,
    }),
    /the model was trained with "hf-text:fake@1" but "hf-text:fake@2" is loaded/,
  );
  await assert.rejects(
    embedPostTexts(posts, texts, DEFAULT_FEATURE_CONFIG, { cacheRoot: "/nonexistent" }),
    /names no text encoder/,
  );
});
