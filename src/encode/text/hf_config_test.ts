import assert from "node:assert/strict";
import { join } from "node:path";
import { poolingOf, poolStates, readHfTextRecipe } from "./hf_config.ts";

Deno.test("poolingOf() reads both the classic pooling_mode_* flags and the newer pooling_mode", async (t) => {
  await t.step("classic flags (paraphrase-multilingual-MiniLM-L12-v2's 1_Pooling/config.json)", () => {
    assert.equal(poolingOf({ pooling_mode_mean_tokens: true, pooling_mode_cls_token: false }, "x"), "mean");
    assert.equal(poolingOf({ pooling_mode_cls_token: true }, "x"), "cls");
  });
  await t.step("pooling_mode as sentence-transformers 6 writes it", () => {
    assert.equal(poolingOf({ pooling_mode: "cls" }, "x"), "cls");
    assert.equal(poolingOf({ pooling_mode: "mean_tokens" }, "x"), "mean");
  });
  await t.step("an unsupported or ambiguous mode is refused, naming the file", () => {
    assert.throws(
      () => poolingOf({ pooling_mode: "weightedmean" }, "p/config.json"),
      /"weightedmean" of "p\/config.json"/,
    );
    assert.throws(
      () => poolingOf({ pooling_mode_mean_tokens: true, pooling_mode_max_tokens: true }, "p"),
      /mean_tokens \+ max_tokens/,
    );
  });
});

Deno.test("readHfTextRecipe() takes max_seq_length over the tokenizer's and caps at the positions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hf_recipe_" });
  try {
    const write = (f: string, v: unknown) => Deno.writeTextFile(join(dir, f), JSON.stringify(v));
    await write("config.json", { model_type: "xlm-roberta", hidden_size: 8, max_position_embeddings: 514 });
    await write("tokenizer_config.json", { model_max_length: 1000000000000000019884624838656 });
    let r = await readHfTextRecipe(dir);
    assert.deepEqual([r.pooling, r.normalize, r.maxLength], ["mean", true, 512]);
    await write("sentence_bert_config.json", { max_seq_length: 128, do_lower_case: false });
    await write("modules.json", [{ path: "1_Pooling", type: "sentence_transformers.models.Pooling" }]);
    await Deno.mkdir(join(dir, "1_Pooling"));
    await write("1_Pooling/config.json", { pooling_mode_cls_token: true });
    r = await readHfTextRecipe(dir);
    assert.deepEqual([r.pooling, r.normalize, r.maxLength], ["cls", false, 128]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("poolStates() pools over the mask: mean, max, and cls takes the first position", () => {
  const states = Float32Array.from([1, 2, 3, 4, 100, 100, 5, 6, 7, 8, 9, 10]);
  const mask = [1, 1, 0, 1, 1, 1];
  assert.deepEqual(poolStates(states, mask, [2, 3, 2], "mean").map((v) => [...v]), [[2, 3], [7, 8]]);
  assert.deepEqual(poolStates(states, mask, [2, 3, 2], "max").map((v) => [...v]), [[3, 4], [9, 10]]);
  assert.deepEqual(poolStates(states, mask, [2, 3, 2], "cls").map((v) => [...v]), [[1, 2], [5, 6]]);
});
