import assert from "node:assert/strict";
import { createRng } from "@/core/mod.ts";
import { dropModalities } from "./modality_dropout.ts";

function rows(n: number, row: number[]): Uint8Array {
  return Uint8Array.from({ length: n * 4 }, (_, i) => row[i % 4]);
}

Deno.test("dropModalities() never hides every present modality of a sample", () => {
  const mask = rows(5000, [1, 0, 1, 1]);
  const out = dropModalities(mask, createRng(1), { rate: 0.9 });
  for (let i = 0; i < 5000; i++) {
    assert.ok(out[i * 4] + out[i * 4 + 2] + out[i * 4 + 3] >= 1, `row ${i} kept a modality`);
    assert.equal(out[i * 4 + 1], 0, "an absent modality stays absent");
  }
});

Deno.test("dropModalities() hides each present modality with about the given rate and leaves the input alone", () => {
  const mask = rows(20000, [1, 1, 1, 1]);
  const out = dropModalities(mask, createRng(2), { rate: 0.15 });
  assert.ok(mask.every((v) => v === 1), "input unchanged");
  const dropped = out.reduce((s, v) => s + (v ? 0 : 1), 0) / out.length;
  assert.ok(Math.abs(dropped - 0.15) < 0.01, `dropped ${dropped}`);
});

Deno.test("dropModalities() keeps a sample's only modality and never drops disabled columns", () => {
  const single = rows(1000, [0, 1, 0, 0]);
  assert.deepEqual(dropModalities(single, createRng(3), { rate: 0.5 }), single);
  const mask = rows(1000, [1, 1, 1, 1]);
  const out = dropModalities(mask, createRng(4), { rate: 0.5, enabled: [true, false, true, true] });
  for (let i = 0; i < 1000; i++) assert.equal(out[i * 4 + 1], 1);
});

Deno.test("dropModalities() with the same seed drops the same bits", () => {
  const mask = rows(500, [1, 1, 0, 1]);
  assert.deepEqual(dropModalities(mask, createRng(7)), dropModalities(mask, createRng(7)));
  assert.notDeepEqual(dropModalities(mask, createRng(7)), dropModalities(mask, createRng(8)));
});
