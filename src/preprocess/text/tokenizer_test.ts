import assert from "node:assert/strict";
import { normalizeText } from "../text.ts";
import { loadTokenizer } from "./tokenizer.ts";

const VOCAB = [
  "[PAD]",
  "[UNK]",
  "[CLS]",
  "[SEP]",
  "[MASK]",
  "the",
  "cat",
  "sat",
  "on",
  "mat",
  "new",
  "year",
  "##s",
  "eve",
  "happy",
  "play",
  "##ing",
  "!",
  ",",
  ".",
  "#",
  "@",
  "user",
  "<",
  ">",
  "url",
  ":",
  "example",
  "com",
  "dog",
  "run",
  "##ning",
  "a",
];

async function writeTinyTokenizer(dir: string): Promise<void> {
  const special = (id: number) => ({
    id,
    content: VOCAB[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [0, 1, 2, 3, 4].map(special),
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
        "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((w, i) => [w, i])),
    },
  };
  await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(tokenizer));
  await Deno.writeTextFile(
    `${dir}/tokenizer_config.json`,
    JSON.stringify({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: 512,
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      mask_token: "[MASK]",
    }),
  );
}

Deno.test("loadTokenizer() encodes a batch to exact ids, padded with a zero mask", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/tiny-bert`;
    await Deno.mkdir(dir);
    await writeTinyTokenizer(dir);
    const tok = await loadTokenizer(dir, { maxLength: 12 });
    assert.deepEqual(tok.prefixIds, [2]);
    assert.deepEqual(tok.suffixIds, [3]);
    assert.equal(tok.padId, 0);
    const texts = [
      "The cat sat on the mat.",
      normalizeText("Happy #NewYearsEve").text,
      "playing dogs running zebra",
    ];
    const b = tok.encodeBatch(texts);
    assert.equal(b.batchSize, 3);
    assert.equal(b.maxLength, 12);
    const row = (a: Int32Array, i: number) => [...a.slice(i * 12, i * 12 + 12)];
    assert.deepEqual(row(b.inputIds, 0), [2, 5, 6, 7, 8, 5, 9, 19, 3, 0, 0, 0]);
    assert.deepEqual(row(b.attentionMask, 0), [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual(row(b.inputIds, 1), [2, 14, 20, 10, 11, 12, 13, 3, 0, 0, 0, 0]);
    assert.deepEqual(row(b.inputIds, 2), [2, 15, 16, 29, 12, 30, 31, 1, 3, 0, 0, 0]);
    assert.deepEqual(b.clipped, [false, false, false]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("encodeBatch() clips long texts keeping [CLS] ... [SEP], and defaults to 128", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeTinyTokenizer(root);
    const tok = await loadTokenizer(root);
    const long = "the cat sat on the mat ".repeat(30); // 180 word tokens
    const b = tok.encodeBatch([long, "cat"], { maxLength: 6 });
    assert.deepEqual([...b.inputIds], [2, 5, 6, 7, 8, 3, 2, 6, 3, 0, 0, 0]);
    assert.deepEqual([...b.attentionMask], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual(b.clipped, [true, false]);
    const d = tok.encodeBatch([long]);
    assert.equal(d.maxLength, 128);
    assert.equal(d.inputIds.length, 128);
    assert.equal(d.inputIds[0], 2);
    assert.equal(d.inputIds[127], 3);
    assert.equal(d.attentionMask.reduce((a, b) => a + b, 0), 128);
    assert.throws(() => tok.encodeBatch(["cat"], { maxLength: 1 }), RangeError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadTokenizer() fails clearly on a folder without tokenizer files", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(() => loadTokenizer(`${root}/missing`), (err: Error) => {
      assert.match(err.message, new RegExp(`^Cannot load tokenizer "${root}/missing": `));
      return true;
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
