import assert from "node:assert/strict";
import type { Encoder } from "./encoder.ts";
import { l2Normalize } from "./_vector.ts";
import {
  createEncoder,
  encoderModality,
  parseEncoderName,
  registeredEncoders,
  registerEncoder,
} from "./registry.ts";

Deno.test("createEncoder() builds a registered encoder and passes it the name's argument and options", async () => {
  const seen: [string | undefined, Record<string, unknown>][] = [];
  registerEncoder("test-len", "text", (arg, options) => {
    seen.push([arg, options]);
    const enc: Encoder<"text"> = {
      id: `test-len:${arg}`,
      version: "1",
      modality: "text",
      dim: 1,
      encode: (batch) =>
        Promise.resolve(batch.map((s) => Float32Array.of(s.length * Number(options.scale ?? 1)))),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(enc);
  });
  assert.ok(registeredEncoders().includes("test-len"));
  const enc = await createEncoder("text", "test-len:a:b", { scale: 2 });
  assert.deepEqual(seen, [["a:b", { scale: 2 }]]);
  assert.deepEqual(await enc.encode(["abc", ""]), [Float32Array.of(6), Float32Array.of(0)]);
});

Deno.test("createEncoder() lists the registered kinds when the name is unknown", async () => {
  await assert.rejects(
    () => createEncoder("text", "word2vec"),
    /Cannot create encoder "word2vec": unknown kind "word2vec" \(registered: .*"hf-text".*"mobilenet-v2".*\)/,
  );
});

Deno.test("createEncoder() asks for a folder when hf-text or hf-image has none", async () => {
  await assert.rejects(() => createEncoder("text", "hf-text"), /give a folder as "hf-text:<folder>"/);
  await assert.rejects(() => createEncoder("image", "hf-image"), /give a folder as "hf-image:<folder>"/);
});

Deno.test("createEncoder() refuses a name that encodes another modality", async () => {
  assert.equal(encoderModality("mobilenet-v2"), "image");
  assert.equal(encoderModality("hf-text:models/x"), "text");
  await assert.rejects(
    () => createEncoder("text", "mobilenet-v2"),
    /Cannot create text encoder "mobilenet-v2": it encodes image, not text/,
  );
});

Deno.test("registerEncoder() rejects kinds that could not be parsed back", () => {
  assert.throws(
    () => registerEncoder("Bad:kind", "text", () => Promise.reject()),
    /Cannot register encoder "Bad:kind"/,
  );
});

Deno.test("parseEncoderName() splits at the first colon only", () => {
  assert.deepEqual(parseEncoderName("mobilenet-v2"), ["mobilenet-v2", undefined]);
  assert.deepEqual(parseEncoderName("hf-text:C:/models/x"), ["hf-text", "C:/models/x"]);
});

Deno.test("l2Normalize() scales to unit length and leaves a zero vector alone", () => {
  assert.deepEqual(l2Normalize(Float32Array.of(3, 4)), Float32Array.of(0.6, 0.8));
  assert.deepEqual(l2Normalize(new Float32Array(3)), new Float32Array(3));
});
