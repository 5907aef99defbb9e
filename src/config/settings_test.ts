import assert from "node:assert/strict";
import { loadSettings, parseExtras } from "./settings.ts";

Deno.test("loadSettings() turns no extra on unless FEATURE_EXTRAS names it", () => {
  const off = loadSettings({ POSTTAGGER_ROOT: "/srv/pt" });
  assert.deepEqual(off.extras, []);
  assert.deepEqual(off.ocrLangs, ["eng"]);
  const on = loadSettings({
    POSTTAGGER_ROOT: "/srv/pt",
    FEATURE_EXTRAS: "objects, ocr",
    OCR_LANGS: "eng+deu",
  });
  assert.deepEqual(on.extras, ["objects", "ocr"]);
  assert.deepEqual(on.ocrLangs, ["eng", "deu"]);
});

Deno.test("parseExtras() refuses an unknown extra and names the known ones", () => {
  assert.deepEqual(parseExtras("ocr,ocr,"), ["ocr"]);
  assert.throws(
    () => parseExtras("ocr,faces"),
    /Cannot turn on feature extra "faces": unknown name \(known: ocr, objects\)/,
  );
});
