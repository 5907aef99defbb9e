import assert from "node:assert/strict";
import { decidePromotion, ModelRegistry, newModelVersion } from "./registry.ts";

Deno.test("decidePromotion() promotes only a model at least as good as the current one", async (t) => {
  const cases: [string, Parameters<typeof decidePromotion>[0], boolean][] = [
    ["first model", { candidate: 0.3 }, true],
    ["better", { candidate: 0.52, current: 0.5 }, true],
    ["equal within tolerance", { candidate: 0.497, current: 0.5 }, true],
    ["worse", { candidate: 0.48, current: 0.5 }, false],
    ["worse but forced", { candidate: 0.1, current: 0.5, force: true }, true],
    ["tolerance is configurable", { candidate: 0.497, current: 0.5, tolerance: 0 }, false],
    ["another tag vocabulary is not comparable", { candidate: 0.9, current: 0.1, comparable: false }, false],
    [
      "another tag vocabulary, forced",
      { candidate: 0.9, current: 0.1, comparable: false, force: true },
      true,
    ],
  ];
  for (const [name, input, promote] of cases) {
    await t.step(name, () => assert.equal(decidePromotion(input).promote, promote));
  }
  assert.match(decidePromotion({ candidate: 0.4, current: 0.5 }).reason, /kept as candidate.*--force/);
});

Deno.test("ModelRegistry switches CURRENT atomically and refuses unknown versions", async () => {
  const root = await Deno.makeTempDir();
  const reg = new ModelRegistry(root);
  assert.equal(await reg.current(), undefined);
  await assert.rejects(() => reg.resolve(), /none promoted yet/);
  const a = newModelVersion(new Date("2026-01-01T00:00:00Z"));
  assert.match(a, /^m20260101T000000-[0-9a-f]{6}$/);
  await Deno.mkdir(reg.pathOf(a), { recursive: true });
  await reg.setCurrent(a);
  assert.equal((await reg.resolve()).version, a);
  await assert.rejects(() => reg.setCurrent("m-missing"), /no folder/);
  assert.equal(await reg.current(), a);
  assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), ["CURRENT", a].sort());
  await Deno.remove(root, { recursive: true });
});
