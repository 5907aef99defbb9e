import assert from "node:assert/strict";
import { LANGS, PHRASES } from "./phrases.ts";
import { TAGS, trendFactor, WINDOW_END, WINDOW_START } from "./tags.ts";

const DAY_MS = 86_400_000;

Deno.test("TAGS holds 20-24 distinct tags with signal in every modality", () => {
  assert.ok(TAGS.length >= 20 && TAGS.length <= 24);
  assert.equal(new Set(TAGS.map((t) => t.name)).size, TAGS.length);
  const only = (c: string) => TAGS.filter((t) => t.carriers.length === 1 && t.carriers[0] === c).length;
  assert.ok(only("text") >= 3 && only("image") >= 3 && only("video") >= 2);
  assert.ok(TAGS.filter((t) => t.meta).length >= 2);
  assert.ok(TAGS.filter((t) => t.carriers.length >= 2 && !t.meta).length >= 3);
  const shapes = new Set(TAGS.map((t) => t.trend.shape));
  assert.deepEqual([...shapes].sort(), ["burst", "fading", "flat", "rising", "seasonal"]);
});

Deno.test("trendFactor() averages 1 over the window for every tag", () => {
  for (const tag of TAGS) {
    let sum = 0, n = 0;
    for (let ms = WINDOW_START + DAY_MS / 2; ms < WINDOW_END; ms += DAY_MS) {
      sum += trendFactor(tag, ms);
      n++;
    }
    assert.ok(Math.abs(sum / n - 1) < 1e-9, `${tag.name}: ${sum / n}`);
  }
});

Deno.test("PHRASES has a hashtag and phrases for every text-carrying tag in every language", () => {
  for (const lang of LANGS) {
    const bank = PHRASES[lang];
    assert.ok(bank.filler.length >= 5);
    for (const tag of TAGS.filter((t) => t.carriers.includes("text"))) {
      const entry = bank.tags[tag.name];
      assert.ok(entry && entry.length >= 3, `${lang} ${tag.name}`);
      assert.ok(!entry[0].includes(" "), `hashtag word "${entry[0]}" has a space`);
    }
  }
});
