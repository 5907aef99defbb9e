/**
 * Builds TINY models in Hugging Face layout (config.json, tokenizer or preprocessor config, onnx/model.onnx)
 * so the pretrained-model code paths ({@linkcode ./hf_text.ts}, {@linkcode ./hf_image.ts}) run and are
 * tested without a model hub. Their weights come from a seeded generator and are exported, so tests can
 * recompute outputs by hand. They carry no knowledge: never use them for real features.
 *
 * - Text (`model_type: "bert"`): `last_hidden_state = tanh((E[input_ids] + T[token_type_ids]) · W + b)`,
 *   inputs `input_ids`, `attention_mask` (accepted, unused: padding positions get real values, so
 *   pooling must mask them), `token_type_ids`; a WordPiece `tokenizer.json` over {@linkcode TINY_VOCAB}.
 * - Image (`model_type: "vit"`): `pixel_values [b, 3, 32, 32]` -> 8x8 stride-8 Conv (hidden 8) -> Tanh ->
 *   `last_hidden_state [b, 16, 8]` (patches) and `pooler_output [b, 8]` (their mean).
 *
 * @module
 */
import { join } from "node:path";
import { OnnxGraph } from "./onnx_writer.ts";
import { mulberry32 } from "@/core/mod.ts";

/** The tiny WordPiece vocabulary (index = token id). */
export const TINY_VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "the",
  "cat",
  "dog",
  "sat",
  "on",
  "mat",
  "hello",
  "world",
  "a",
  "is",
  "good",
  "bad",
  "news",
  "today",
  "##s",
  "##ing",
  "play",
  ",",
  ".",
  "!",
  "?",
  "cafe",
] as const;

/** Hidden size of both tiny models. */
export const TINY_HIDDEN = 8;
/** Side of the tiny image model's input. */
export const TINY_IMAGE_SIZE = 32;
const PATCH = 8;

function seeded(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1; // [-1, 1)
}

function randomArray(n: number, rand: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * scale);
}

/** Weights of the tiny text model (row-major: `embeddings[id * H + j]`, `weight[i * H + j]`). */
export interface TinyTextWeights {
  embeddings: Float32Array;
  tokenTypes: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

/** The deterministic weights of the tiny text model. */
export function tinyTextWeights(): TinyTextWeights {
  const rand = seeded(7);
  const h = TINY_HIDDEN;
  return {
    embeddings: randomArray(TINY_VOCAB.length * h, rand, 1),
    tokenTypes: randomArray(2 * h, rand, 0.1),
    weight: randomArray(h * h, rand, 0.5),
    bias: randomArray(h, rand, 0.1),
  };
}

/** Weights of the tiny image model: conv `[H, 3, 8, 8]` and bias `[H]`. */
export interface TinyImageWeights {
  kernel: Float32Array;
  bias: Float32Array;
}

/** The deterministic weights of the tiny image model. */
export function tinyImageWeights(): TinyImageWeights {
  const rand = seeded(11);
  return {
    kernel: randomArray(TINY_HIDDEN * 3 * PATCH * PATCH, rand, 0.05),
    bias: randomArray(TINY_HIDDEN, rand, 0.1),
  };
}

function tinyTextOnnx(): Uint8Array {
  const w = tinyTextWeights();
  const h = TINY_HIDDEN;
  const g = new OnnxGraph("tiny_bert");
  g.input("input_ids", "int64", ["batch", "sequence"]);
  g.input("attention_mask", "int64", ["batch", "sequence"]);
  g.input("token_type_ids", "int64", ["batch", "sequence"]);
  g.initializer("embeddings", [TINY_VOCAB.length, h], w.embeddings);
  g.initializer("token_types", [2, h], w.tokenTypes);
  g.initializer("dense_w", [h, h], w.weight);
  g.initializer("dense_b", [h], w.bias);
  g.node("Gather", ["embeddings", "input_ids"], ["word"], { axis: 0 });
  g.node("Gather", ["token_types", "token_type_ids"], ["type"], { axis: 0 });
  g.node("Add", ["word", "type"], ["emb"]);
  g.node("MatMul", ["emb", "dense_w"], ["mm"]);
  g.node("Add", ["mm", "dense_b"], ["pre"]);
  g.node("Tanh", ["pre"], ["last_hidden_state"]);
  g.output("last_hidden_state", "float32", ["batch", "sequence", h]);
  return g.toBytes({ opset: 13, metadata: { purpose: "test fixture, no knowledge" } });
}

function tinyImageOnnx(): Uint8Array {
  const w = tinyImageWeights();
  const h = TINY_HIDDEN;
  const g = new OnnxGraph("tiny_vit");
  g.input("pixel_values", "float32", ["batch", 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE]);
  g.initializer("patch_w", [h, 3, PATCH, PATCH], w.kernel);
  g.initializer("patch_b", [h], w.bias);
  g.initializer("flat_shape", [3], new BigInt64Array([0n, BigInt(h), -1n]));
  g.node("Conv", ["pixel_values", "patch_w", "patch_b"], ["conv"], {
    kernel_shape: [PATCH, PATCH],
    strides: [PATCH, PATCH],
  });
  g.node("Tanh", ["conv"], ["act"]);
  g.node("Reshape", ["act", "flat_shape"], ["patches_t"]); // [b, H, 16]
  g.node("Transpose", ["patches_t"], ["last_hidden_state"], { perm: [0, 2, 1] });
  g.node("GlobalAveragePool", ["act"], ["pooled4"]);
  g.node("Flatten", ["pooled4"], ["pooler_output"], { axis: 1 });
  const n = (TINY_IMAGE_SIZE / PATCH) ** 2;
  g.output("last_hidden_state", "float32", ["batch", n, h]);
  g.output("pooler_output", "float32", ["batch", h]);
  return g.toBytes({ opset: 13, metadata: { purpose: "test fixture, no knowledge" } });
}

function tokenizerJson(): Record<string, unknown> {
  const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const id = (t: string) => TINY_VOCAB.indexOf(t as (typeof TINY_VOCAB)[number]);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [id("[CLS]")], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [id("[SEP]")], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i])),
    },
  };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}

/** Writes the tiny BERT-like text model into `dir` (created) in Hugging Face layout; returns `dir`. */
export async function buildTinyTextModel(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "onnx"), { recursive: true });
  await writeJson(join(dir, "config.json"), {
    architectures: ["BertModel"],
    model_type: "bert",
    hidden_size: TINY_HIDDEN,
    intermediate_size: TINY_HIDDEN,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    max_position_embeddings: 64,
    type_vocab_size: 2,
    vocab_size: TINY_VOCAB.length,
    pad_token_id: 0,
    _comment: "Tiny test model built by src/encode/tiny_models.ts; random weights, no knowledge.",
  });
  await writeJson(join(dir, "tokenizer.json"), tokenizerJson());
  await writeJson(join(dir, "tokenizer_config.json"), {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: 64,
    clean_up_tokenization_spaces: true,
    cls_token: "[CLS]",
    sep_token: "[SEP]",
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    mask_token: "[MASK]",
  });
  await writeJson(join(dir, "special_tokens_map.json"), {
    cls_token: "[CLS]",
    sep_token: "[SEP]",
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    mask_token: "[MASK]",
  });
  await Deno.writeTextFile(join(dir, "vocab.txt"), TINY_VOCAB.join("\n") + "\n");
  await Deno.writeFile(join(dir, "onnx", "model.onnx"), tinyTextOnnx());
  return dir;
}

/** Writes the tiny ViT-like image model into `dir` (created) in Hugging Face layout; returns `dir`. */
export async function buildTinyImageModel(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "onnx"), { recursive: true });
  await writeJson(join(dir, "config.json"), {
    architectures: ["ViTModel"],
    model_type: "vit",
    hidden_size: TINY_HIDDEN,
    image_size: TINY_IMAGE_SIZE,
    patch_size: PATCH,
    num_channels: 3,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    intermediate_size: TINY_HIDDEN,
    _comment: "Tiny test model built by src/encode/tiny_models.ts; random weights, no knowledge.",
  });
  await writeJson(join(dir, "preprocessor_config.json"), {
    image_processor_type: "ViTImageProcessor",
    do_resize: true,
    size: { height: TINY_IMAGE_SIZE, width: TINY_IMAGE_SIZE },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });
  await Deno.writeFile(join(dir, "onnx", "model.onnx"), tinyImageOnnx());
  return dir;
}
