import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { tagGrowth } from "./growth.ts";
import { refreshAggregates } from "./refresh.ts";
import { seedDays } from "../../tests/support/trend_days.ts";
import { twoProportionZ, wilsonInterval } from "./stats.ts";

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

async function seed(db: Db) {
  await seedDays(db, [
    { day: "2026-03-05", n: 50, tagged: { cats: 50 } }, // before both periods: ignored
    { day: "2026-03-15", n: 100, tagged: { cats: 10, dogs: 20 } },
    { day: "2026-03-25", n: 100, tagged: { cats: 30, dogs: 20, rare: 2 } },
  ]);
  await refreshAggregates(db);
}

dbTest(
  "tagGrowth() compares two equal periods with smoothed ratio, z-score and Wilson bounds",
  async (db) => {
    await seed(db);
    const g = await tagGrowth(db, { to: "2026-03-30", days: 10 });
    assert.deepEqual(g.current, { from: "2026-03-21", to: "2026-03-30", posts: 100 });
    assert.deepEqual(g.previous, { from: "2026-03-11", to: "2026-03-20", posts: 100 });
    assert.deepEqual(g.tags.map((t) => t.tag), ["cats", "dogs"]); // rare: 2 < minCount 5
    const cats = g.tags[0];
    assert.equal(cats.current.tagged, 30);
    assert.equal(cats.previous.tagged, 10);
    close(cats.growth, 31 / 11); // (30+1)/(100+2) over (10+1)/(100+2)
    close(cats.z, 3.5355);
    close(cats.current.low, 0.21895);
    close(cats.conservativeGrowth, 0.21895 / wilsonInterval(10, 100).high);
    const dogs = g.tags[1];
    assert.equal(dogs.growth, 1);
    assert.equal(dogs.z, 0);
  },
);

dbTest("tagGrowth() ranks by the conservative figure, so a tiny count does not top the list", async (db) => {
  await seed(db);
  const g = await tagGrowth(db, { to: "2026-03-30", days: 10, minCount: 1 });
  assert.deepEqual(g.tags.map((t) => t.tag), ["cats", "dogs", "rare"]);
  const rare = g.tags[2];
  close(rare.growth, 3); // (2+1)/(0+1): the largest raw ratio
  assert.ok(rare.growth > g.tags[0].growth);
  close(rare.z, twoProportionZ(2, 100, 0, 100));
  assert.deepEqual((await tagGrowth(db, { to: "2026-03-30", days: 10, limit: 1 })).tags.map((t) => t.tag), [
    "cats",
  ]);
});

dbTest("tagGrowth() ends at the latest sampled day by default and rejects a bad period", async (db) => {
  await seed(db);
  const g = await tagGrowth(db, { days: 5 });
  assert.equal(g.current.to, "2026-03-25");
  assert.equal(g.current.posts, 100);
  assert.equal(g.previous.posts, 0);
  await assert.rejects(tagGrowth(db, { days: 0 }), /Cannot compute growth over "0" days/);
});
