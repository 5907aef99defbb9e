import { MODEL_RECORD_FILE } from "@/encode/mod.ts";
import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
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

const insertModel = (db: Db, version: string, status: string) =>
  db.query("insert into models (version, status, path) values ($1, $2, $3)", [
    version,
    status,
    `models/${version}`,
  ]);
const statuses = async (db: Db) =>
  Object.fromEntries(
    (await db.query<{ version: string; status: string }>("select version, status from models")).map((r) => [
      r.version,
      r.status,
    ]),
  );

dbTest("ModelRegistry.promote() moves CURRENT and models.status in one step, or neither", async (db) => {
  const root = await Deno.makeTempDir();
  const reg = new ModelRegistry(root);
  for (const v of ["m1", "m2", "m3"]) {
    const staged = await reg.stage(v);
    await Deno.writeTextFile(`${staged}/model_meta.json`, "{}");
    await reg.commit(v, staged);
    await insertModel(db, v, "candidate");
  }
  await reg.promote(db, "m1");
  await reg.promote(db, "m2");
  assert.equal(await reg.current(), "m2");
  assert.deepEqual(await statuses(db), { m1: "retired", m2: "current", m3: "candidate" });

  // CURRENT cannot be replaced (here: a folder stands in its way): the database keeps m2 current.
  await Deno.remove(`${root}/CURRENT`);
  await Deno.mkdir(`${root}/CURRENT/blocked`, { recursive: true });
  await assert.rejects(() => reg.promote(db, "m3"));
  assert.deepEqual(await statuses(db), { m1: "retired", m2: "current", m3: "candidate" });
  await Deno.remove(`${root}/CURRENT`, { recursive: true });

  // A crash after CURRENT moved but before the database committed: reconcile() makes the table follow.
  await Deno.writeTextFile(`${root}/CURRENT`, "m3\n");
  await reg.reconcile(db);
  assert.deepEqual(await statuses(db), { m1: "retired", m2: "retired", m3: "current" });
  await Deno.remove(root, { recursive: true });
});

Deno.test("ModelRegistry writes a model folder under a staging name and renames it into place", async () => {
  const root = await Deno.makeTempDir();
  const reg = new ModelRegistry(root);
  const staged = await reg.stage("m1");
  await Deno.writeTextFile(`${staged}/weights.bin`, "w");
  // Until committed, the version does not exist and is not listed (a killed run leaves only staging).
  assert.deepEqual(await reg.list(), []);
  await assert.rejects(() => reg.resolve("m1"), /no folder/);
  await reg.commit("m1", staged);
  assert.deepEqual(await reg.list(), ["m1"]);
  assert.equal(await Deno.readTextFile(`${reg.pathOf("m1")}/weights.bin`), "w");
  await assert.rejects(() => reg.commit("m1", staged), /Cannot commit model "m1"/);
  const left = await reg.stage("m2"); // a run killed here leaves a staging folder behind
  assert.ok(left.startsWith(`${root}/.staging-`));
  assert.deepEqual(await reg.list(), ["m1"]);
  // an encoder added with `deno task models add` under the same root is not a model version
  await Deno.mkdir(`${root}/minilm`);
  await Deno.writeTextFile(`${root}/minilm/${MODEL_RECORD_FILE}`, "{}");
  assert.deepEqual(await reg.list(), ["m1"]);
  await Deno.remove(root, { recursive: true });
});
