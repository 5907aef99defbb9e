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

Deno.test("loadSettings() runs encoders on the CPU unless ENCODER_DEVICE names a provider, and refuses others", () => {
  assert.equal(loadSettings({}).encoderDevice, "cpu");
  assert.equal(loadSettings({ ENCODER_DEVICE: " WebGPU " }).encoderDevice, "webgpu");
  assert.equal(loadSettings({ ENCODER_DEVICE: "auto" }).encoderDevice, "auto");
  assert.throws(
    () => loadSettings({ ENCODER_DEVICE: "tpu" }),
    /Cannot use ENCODER_DEVICE "tpu": say one of cpu, auto, cuda, webgpu/,
  );
});
