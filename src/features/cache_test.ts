import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { FeatureCache } from "./cache.ts";
import { configHash, featureKey } from "./key.ts";

const vec = (...xs: number[]) => Float32Array.from(xs);

Deno.test("FeatureCache writes real Arrow IPC files that reopen with the same vectors", async () => {
  const root = await Deno.makeTempDir();
  const cache = await FeatureCache.open(root, "image/mobilenet@1", 3);
  assert.equal(await cache.put([{ key: "a", vector: vec(1, 2, 3) }, { key: "b", vector: vec(4, 5, 6) }]), 2);
  assert.equal(await cache.put([{ key: "a", vector: vec(9, 9, 9) }, { key: "c", vector: vec(7, 8, 9) }]), 1);
  const reopened = await FeatureCache.open(root, "image/mobilenet@1", 3);
  assert.equal(reopened.size, 3);
  assert.deepEqual(reopened.get("a"), vec(1, 2, 3));
  assert.deepEqual(reopened.get("c"), vec(7, 8, 9));
  assert.deepEqual(reopened.missing(["a", "d", "d", "e"]), ["d", "e"]);
  const files = [...Deno.readDirSync(`${root}/image/mobilenet@1`)].map((e) => e.name);
  assert.equal(files.length, 2);
  const table = tableFromIPC(Deno.readFileSync(`${root}/image/mobilenet@1/${files.sort()[0]}`));
  assert.deepEqual(table.schema.fields.map((f) => f.name), ["key", "vector"]);
  assert.equal(table.numRows, 2);
  await Deno.remove(root, { recursive: true });
});

Deno.test("FeatureCache.compact() folds parts into one without losing rows", async () => {
  const root = await Deno.makeTempDir();
  const cache = await FeatureCache.open(root, "text", 2);
  for (let i = 0; i < 5; i++) await cache.put([{ key: `k${i}`, vector: vec(i, -i) }]);
  assert.equal((await cache.stats()).parts, 5);
  await cache.compact();
  const reopened = await FeatureCache.open(root, "text", 2);
  assert.deepEqual(await reopened.stats().then((s) => [s.rows, s.parts]), [5, 1]);
  assert.deepEqual(reopened.get("k3"), vec(3, -3));
  await Deno.remove(root, { recursive: true });
});

Deno.test("FeatureCache ignores leftover temp files of a killed writer and refuses wrong sizes", async () => {
  const root = await Deno.makeTempDir();
  const cache = await FeatureCache.open(root, "x", 2);
  await cache.put([{ key: "a", vector: vec(1, 2) }]);
  await Deno.writeFile(`${root}/x/part-zzz.arrow.tmp-123`, new Uint8Array([1, 2, 3])); // half-written
  assert.equal((await FeatureCache.open(root, "x", 2)).size, 1);
  await assert.rejects(() => cache.put([{ key: "b", vector: vec(1) }]), /vector has 1 floats, expected 2/);
  await assert.rejects(() => FeatureCache.open(root, "x", 3), /vectors have 2 floats, expected 3/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("two writers on one feature set never corrupt each other", async () => {
  const root = await Deno.makeTempDir();
  const [a, b] = await Promise.all([FeatureCache.open(root, "x", 4), FeatureCache.open(root, "x", 4)]);
  const rows = (p: string) =>
    Array.from({ length: 200 }, (_, i) => ({ key: `${p}${i}`, vector: vec(i, i, i, i) }));
  await Promise.all([a.put(rows("s")), b.put(rows("s")), a.put(rows("t"))]);
  const c = await FeatureCache.open(root, "x", 4);
  assert.equal(c.size, 400);
  assert.deepEqual(c.get("s5"), vec(5, 5, 5, 5));
  await Deno.remove(root, { recursive: true });
});

Deno.test("featureKey() changes with content, encoder, config and code version, not with key order", () => {
  const base = { content: "sha-1", encoder: "mobilenet-v2@1", config: { size: 224, norm: "unit" } };
  const k = featureKey(base);
  assert.equal(featureKey({ ...base, config: { norm: "unit", size: 224 } }), k);
  assert.notEqual(featureKey({ ...base, content: "sha-2" }), k);
  assert.notEqual(featureKey({ ...base, encoder: "mobilenet-v2@2" }), k);
  assert.notEqual(featureKey({ ...base, config: { size: 256, norm: "unit" } }), k);
  assert.notEqual(featureKey({ ...base, code: "999" }), k);
  assert.equal(configHash({ a: 1, b: [1, 2] }), configHash({ b: [1, 2], a: 1 }));
});

Deno.test("FeatureCache sets a damaged part aside on open, keeps the others, and computes its rows again", async (t) => {
  const root = await Deno.makeTempDir();
  const cache = await FeatureCache.open(root, "text", 2);
  await cache.put([{ key: "a", vector: vec(1, 2) }]);
  await cache.put([{ key: "b", vector: vec(3, 4) }]);
  const dir = `${root}/text`;
  const parts = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  for (
    const [what, damage] of [
      ["truncated", (bytes: Uint8Array) => bytes.subarray(0, Math.floor(bytes.length / 2))],
      ["random bytes", (bytes: Uint8Array) => crypto.getRandomValues(new Uint8Array(bytes.length))],
      ["empty", () => new Uint8Array(0)],
    ] as const
  ) {
    await t.step(what, async () => {
      await Deno.writeFile(`${dir}/${parts[0]}`, damage(await Deno.readFile(`${dir}/${parts[1]}`)));
      const reopened = await FeatureCache.open(root, "text", 2);
      assert.equal(reopened.setAside.length, 1);
      assert.equal(reopened.setAside[0].part, parts[0]);
      assert.deepEqual(reopened.get("b"), vec(3, 4));
      assert.deepEqual(reopened.missing(["a", "b"]), ["a"]);
      assert.equal(await reopened.put([{ key: "a", vector: vec(1, 2) }]), 1);
      const again = await FeatureCache.open(root, "text", 2);
      assert.deepEqual([again.setAside.length, again.size], [0, 2]);
      // Put the layout back for the next case: the rebuilt part becomes the first one.
      for (const e of Deno.readDirSync(dir)) {
        if (e.name.includes(".corrupt-")) Deno.removeSync(`${dir}/${e.name}`);
      }
      const now = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== parts[1]);
      Deno.renameSync(`${dir}/${now[0]}`, `${dir}/${parts[0]}`);
    });
  }
  await Deno.remove(root, { recursive: true });
});
