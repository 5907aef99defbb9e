/**
 * Sentence embeddings of the posts' prepared texts, from the pretrained text encoder the feature config
 * names (`text.encoder`, e.g. `hf-text:minilm`), through the Arrow feature cache: keyed by the text and
 * the encoder's id and version (which holds the model's hash), so reruns never encode a text twice. A
 * text the encoder cannot take is reported for quarantine and gets a zero row; its bag stays.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { featureKey } from "@/features/mod.ts";
import type { DatasetPost } from "@/store/mod.ts";
import { CacheShelf, safe } from "./cache_shelf.ts";
import type { Encoder } from "./encoder.ts";
import type { FeatureConfig } from "./feature_config.ts";
import type { EncoderRecord } from "./fitted.ts";
import { createEncoder } from "./registry.ts";
import type { PreparedText } from "./texts.ts";

/** What the text embeddings need of a text encoder: any `Encoder<"text">` is one. */
export type TextEmbedder = Pick<Encoder<"text">, "id" | "version" | "dim" | "encode">;

/** Where the text embeddings come from. */
export interface TextEmbeddingContext {
  cacheRoot: string;
  caches?: CacheShelf;
  /** The encoder for `config.text.encoder`, opened by the caller. @default opened here and closed after */
  textEncoder?: TextEmbedder;
  /** Where added models lie (MODELS_DIR), to open `config.text.encoder` here. */
  modelsDir?: string;
}

/** Embeddings by text, and the posts whose text could not be embedded (they get a zero row). */
export interface TextEmbeddings {
  vectors: Map<string, Float32Array>;
  dim: number;
  hits: number;
  computed: number;
  failed: { postId: string; reason: string }[];
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Texts per encoder call. */
const BATCH = 64;

export function textEmbeddingKey(encoder: Pick<TextEmbedder, "id" | "version">, text: string): string {
  return featureKey({ content: sha(text), encoder: `${encoder.id}@${encoder.version}`, config: {} });
}

/**
 * Every distinct prepared text's embedding, computing only those the cache lacks. With `expected` (the
 * encoder a model was trained with), an encoder of other weights fails instead of feeding the model
 * vectors it never saw.
 */
export async function embedPostTexts(
  posts: DatasetPost[],
  texts: Map<string, PreparedText>,
  config: FeatureConfig,
  ctx: TextEmbeddingContext,
  expected?: EncoderRecord,
): Promise<TextEmbeddings> {
  const name = config.text.encoder;
  if (!name) throw new RangeError("Cannot embed texts: the feature config names no text encoder");
  const own = ctx.textEncoder ? undefined : await createEncoder("text", name, { modelsDir: ctx.modelsDir });
  const encoder = ctx.textEncoder ?? own!;
  try {
    const id = `${encoder.id}@${encoder.version}`;
    if (expected && expected.id !== id) {
      throw new Error(
        `Cannot embed texts with "${name}": the model was trained with "${expected.id}" but "${id}" is loaded; ` +
          `add the model it was trained with again, or retrain`,
      );
    }
    const cache = await (ctx.caches ?? new CacheShelf(ctx.cacheRoot)).get(
      `text/${safe(encoder.id)}`,
      encoder.dim,
    );
    const vectors = new Map<string, Float32Array>();
    const owner = new Map<string, string>(); // text -> a post id, for problems
    let hits = 0;
    for (const p of posts) {
      const t = texts.get(p.id)?.text;
      if (!t || vectors.has(t) || owner.has(t)) continue;
      const hit = cache.get(textEmbeddingKey(encoder, t));
      if (hit) {
        vectors.set(t, hit);
        hits++;
      } else owner.set(t, p.id);
    }
    const todo = [...owner.keys()];
    let computed = 0;
    const failed: TextEmbeddings["failed"] = [];
    for (let i = 0; i < todo.length; i += BATCH) {
      const chunk = todo.slice(i, i + BATCH);
      const out = await encoder.encode(chunk).catch(async () => await oneByOne(encoder, chunk));
      const rows: { key: string; vector: Float32Array }[] = [];
      out.forEach((v, k) => {
        if (v instanceof Error) {
          failed.push({ postId: owner.get(chunk[k])!, reason: v.message });
          vectors.set(chunk[k], new Float32Array(encoder.dim));
          return;
        }
        vectors.set(chunk[k], v);
        rows.push({ key: textEmbeddingKey(encoder, chunk[k]), vector: v });
      });
      await cache.put(rows);
      computed += rows.length;
    }
    return { vectors, dim: encoder.dim, hits, computed, failed };
  } finally {
    await own?.close();
  }
}

/** A failed batch again text by text: what still fails comes back as its error. */
async function oneByOne(encoder: TextEmbedder, chunk: string[]): Promise<(Float32Array | Error)[]> {
  const out: (Float32Array | Error)[] = [];
  for (const t of chunk) {
    out.push(
      await encoder.encode([t]).then(
        ([v]) => v,
        (err) => new Error(`Cannot embed text with "${encoder.id}": ${(err as Error).message}`),
      ),
    );
  }
  return out;
}
