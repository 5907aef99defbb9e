import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { imageKey } from "../media_features.ts";
import {
  classScores,
  COCO_CLASSES,
  humanModelDir,
  loadObjectScorer,
  OBJECTS_DIM,
  type ObjectScorer,
  withObjectScores,
} from "./objects.ts";

// human's own sample sheet: photos of people (the third thumbnail: a man at a dinner table).
const SAMPLES = join(humanModelDir(), "..", "assets", "samples.jpg");

async function crop(left: number, top: number, width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(SAMPLES).extract({ left, top, width, height }).png().toBuffer());
}

function grey(value: number) {
  return { data: new Uint8Array(96 * 96 * 3).fill(value), width: 96, height: 96, channels: 3 as const };
}

let shared: Promise<ObjectScorer> | undefined;
const scorer = () => (shared ??= loadObjectScorer());

Deno.test("COCO_CLASSES lists the 80 COCO classes once each", () => {
  assert.equal(COCO_CLASSES.length, OBJECTS_DIM);
  assert.equal(new Set(COCO_CLASSES).size, OBJECTS_DIM);
  assert.equal(COCO_CLASSES[0], "person");
  assert.equal(COCO_CLASSES[79], "toothbrush");
});

Deno.test("classScores() keeps the best score per class and skips rows it cannot read", () => {
  const v = classScores([
    0,
    0,
    1,
    1,
    0.4,
    0, // person 0.4
    0,
    0,
    1,
    1,
    0.9,
    0, // person 0.9
    0,
    0,
    1,
    1,
    0.3,
    16, // dog 0.3
    0,
    0,
    1,
    1,
    0.8,
    80, // no such class
    0,
    0,
    1,
    1,
    NaN,
    2, // no score
    0,
    0,
    1,
    1,
    0.7,
    1.5, // not a class index
  ]);
  assert.equal(v.length, 80);
  assert.ok(Math.abs(v[0] - 0.9) < 1e-6);
  assert.ok(Math.abs(v[16] - 0.3) < 1e-6);
  assert.equal(v.reduce((a, b) => a + b, 0).toFixed(4), (0.9 + 0.3).toFixed(4));
});

Deno.test("loadObjectScorer() gives 80 scores in [0, 1], the same on every call", async () => {
  const s = await scorer();
  const man = await crop(326, 0, 214, 158);
  const [a, b] = await s.score([man, man]);
  const [c] = await s.score([man]);
  for (const v of [a, b, c]) {
    assert.equal(v.length, 80);
    assert.ok(v.every((x) => x >= 0 && x <= 1));
  }
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
});

Deno.test("loadObjectScorer() scores a person highest on a photo of a person, not on a grey square", async () => {
  const s = await scorer();
  const [man, party, flat] = await s.score([
    await crop(326, 0, 214, 158),
    await crop(0, 200, 1280, 958),
    grey(128),
  ]);
  const top = (v: Float32Array) => v.indexOf(Math.max(...v));
  assert.equal(COCO_CLASSES[top(man)], "person");
  assert.equal(COCO_CLASSES[top(party)], "person");
  assert.ok(man[0] > 0.3 && man[0] > 3 * flat[0], `person ${man[0]} vs grey ${flat[0]}`);
  assert.notDeepEqual(man, party);
});

Deno.test("withObjectScores() appends the scores to each embedding under a new cache key", async () => {
  const plain = {
    id: "fake-image",
    version: "1",
    dim: 3,
    encode: (batch: { data: Uint8Array }[]) =>
      Promise.resolve(batch.map((b) => Float32Array.of(b.data[0], b.data[1], 1))),
  };
  const wrapped = withObjectScores(plain);
  try {
    assert.equal(wrapped.dim, 3 + 80);
    assert.notEqual(wrapped.id, plain.id);
    assert.notEqual(imageKey(wrapped, "ab".repeat(32)), imageKey(plain, "ab".repeat(32)));
    const [row] = await wrapped.encode([grey(40)]);
    const [alone] = await (await scorer()).score([grey(40)]);
    assert.deepEqual(row.subarray(0, 3), Float32Array.of(40, 40, 1));
    assert.deepEqual(row.subarray(3), alone);
  } finally {
    await wrapped.close();
  }
});

Deno.test("loadObjectScorer() says which model file it could not read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "objects_test_" });
  try {
    await assert.rejects(
      () => loadObjectScorer({ modelDir: dir }),
      /Cannot load object model ".*centernet\.json"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
