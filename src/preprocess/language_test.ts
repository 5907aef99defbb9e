import assert from "node:assert/strict";
import { defaultLanguageModelPath, languageIdText, loadLanguageIdentifier } from "./language.ts";
import { normalizeText } from "./text.ts";
import { LANGUAGE_SAMPLES } from "../../bench/_preprocess_text.ts";

Deno.test("identify() names the language of sentences in many scripts", async (t) => {
  const lid = await loadLanguageIdentifier();
  const cases: [string, string][] = [
    ["en", "Anyone else watching the game tonight?"],
    ["fr", "Je n'arrive pas à croire qu'on est déjà en décembre"],
    ["de", "Der Stau auf der Autobahn ist heute wieder unerträglich"],
    ["ru", "Новое обновление всё сломало, спасибо"],
    ["ar", "الفيلم كان أفضل بكثير مما توقعت"],
    ["hi", "नए अपडेट ने सब कुछ खराब कर दिया"],
    ["ja", "今朝の渋滞がひどすぎる"],
    ["zh", "祝我最爱的妹妹生日快乐"],
    ["ko", "동네 카페가 드디어 다시 문을 열었어요"],
  ];
  for (const [lang, text] of cases) {
    await t.step(`${lang}: ${text}`, () => {
      const g = lid.identify(text);
      assert.equal(g.lang, lang);
      assert.equal(g.top, lang);
      assert.ok(g.confidence >= 0.4 && g.confidence <= 1, `confidence ${g.confidence}`);
    });
  }
});

Deno.test("identify() ignores URLs, mentions and emoji around the words", async () => {
  const lid = await loadLanguageIdentifier();
  const raw = "@alice https://example.com/x 😂🔥 Mañana vamos a la playa con los niños #FelizVerano";
  assert.equal(lid.identify(raw).lang, "es");
  assert.equal(lid.identify(normalizeText(raw).text).lang, "es");
});

Deno.test("identify() says 'und' for text without enough letters or confidence", async () => {
  const lid = await loadLanguageIdentifier();
  assert.deepEqual(lid.identify(""), { lang: "und", confidence: 0, top: "" });
  assert.equal(lid.identify("😂😂🔥 https://x.com/a @bob 12345 !!!").lang, "und");
  // Two letters: below minLetters whatever the model thinks.
  const ok = lid.identify("ok");
  assert.equal(ok.lang, "und");
  assert.equal(lid.identify("ok", { minLetters: 1, minConfidence: 0 }).lang, ok.top);
  // A sentence the model is sure of turns 'und' only when the bar is above its confidence.
  const sure = lid.identify("Der Film war viel besser als ich erwartet hatte");
  assert.equal(
    lid.identify("Der Film war viel besser als ich erwartet hatte", { minConfidence: 1.01 }).lang,
    "und",
  );
  assert.equal(sure.lang, "de");
});

Deno.test("identifyBatch() equals identify() per text and reuses one loaded model", async () => {
  const lid = await loadLanguageIdentifier();
  assert.equal(await loadLanguageIdentifier(), lid);
  const texts = ["Que golaço!", "Какой гол!", "", "Che gol! Finalmente hanno riaperto il bar sotto casa"];
  assert.deepEqual(lid.identifyBatch(texts), texts.map((t) => lid.identify(t)));
});

Deno.test("topLanguages() returns k languages, best first, probabilities summing to at most 1", async () => {
  const lid = await loadLanguageIdentifier();
  const top = lid.topLanguages("Acabei de terminar minha primeira maratona e não sinto as pernas", 5);
  assert.equal(top.length, 5);
  assert.equal(top[0].lang, "pt");
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].p >= top[i].p);
  assert.ok(top.reduce((a, x) => a + x.p, 0) <= 1 + 1e-3);
});

Deno.test("languageIdText() keeps words, spaces out CJK characters and lower-cases", () => {
  assert.equal(
    languageIdText("RT @bob: Great GAME!!! 😂 <url:espn.com> https://t.co/x 2024 #GoTeam"),
    "rt great game goteam",
  );
  assert.equal(languageIdText("東京タワー、最高！"), "東 京 タ ワ ー 最 高");
  assert.equal(languageIdText("오늘 밤 경기"), "오늘 밤 경기");
});

Deno.test("loadLanguageIdentifier() fails clearly on a missing model and can retry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/nope.ftz`;
    await assert.rejects(() => loadLanguageIdentifier({ modelPath: missing }), (err: Error) => {
      assert.match(err.message, new RegExp(`^Cannot load language model "${missing}": `));
      return true;
    });
    // The failure is not cached: once the file is there, the same path loads.
    await Deno.copyFile(defaultLanguageModelPath(), missing);
    const lid = await loadLanguageIdentifier({ modelPath: missing });
    assert.equal(lid.modelPath, missing);
    assert.equal(lid.identify("Le film était bien meilleur que prévu").lang, "fr");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the js and wasm backends agree on every labeled sample", async () => {
  const js = await loadLanguageIdentifier({ backend: "js" });
  const wasm = await loadLanguageIdentifier({ backend: "wasm" });
  assert.equal(js.backend, "js");
  assert.equal(wasm.backend, "wasm");
  const texts = [...LANGUAGE_SAMPLES.map((s) => s.text), "", "good luck my g", "__label__en hello", "ok 👍"];
  for (const text of texts) {
    const a = js.topLanguages(text, 2);
    const b = wasm.topLanguages(text, 2);
    assert.equal(a.length, b.length, text);
    a.forEach((x, i) => {
      assert.ok(Math.abs(x.p - b[i].p) < 1e-4, `${text}: ${x.p} vs ${b[i].p}`);
      // Tail labels near the 1e-5 floor may swap on float rounding; the others must match.
      if (x.p > 1e-3) assert.equal(x.lang, b[i].lang, text);
    });
    assert.deepEqual(js.identify(text).lang, wasm.identify(text).lang);
  }
});

Deno.test("loadLanguageIdentifier() refuses an unknown backend and a file that is not a model", async () => {
  await assert.rejects(
    () => loadLanguageIdentifier({ backend: "cld3" as "js" }),
    { name: "RangeError", message: 'Cannot load language model: unknown backend "cld3"' },
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/model.ftz`, "not a model");
    await assert.rejects(() => loadLanguageIdentifier({ modelPath: `${dir}/model.ftz` }), /bad magic number/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("identify() reads only the first maxChars characters of a long text", async () => {
  const lid = await loadLanguageIdentifier();
  const text = "Le film était bien meilleur que prévu. ".repeat(3) +
    "Anyone else watching the game tonight? ".repeat(200);
  assert.equal(lid.identify(text, { maxChars: 110 }).lang, "fr");
  assert.equal(lid.identify(text, { maxChars: 100_000 }).lang, "en");
});
