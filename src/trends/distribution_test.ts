import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { roundShare, tagDistribution } from "./distribution.ts";
import { refreshAggregates } from "./refresh.ts";
import { seedDays } from "../../tests/support/trend_days.ts";

async function seed(db: Db) {
  await seedDays(db, [
    { day: "2026-03-02", n: 10, tagged: { cats: 2 } }, // a Monday
    { day: "2026-03-04", n: 10, tagged: { cats: 3, dogs: 1 } },
    { day: "2026-03-09", n: 5, tagged: { cats: 5 }, platform: "bluesky" },
    { day: "2026-04-01", n: 4, tagged: { dogs: 2 }, lang: "fr" },
  ]);
  await refreshAggregates(db);
}

const shares = (d: Awaited<ReturnType<typeof tagDistribution>>, tag: string) => {
  const s = d.series.find((s) => s.tag === tag)!;
  return d.periods.map((p, i) => [p, s.counts[i], d.posts[i], s.shares[i]]);
};

dbTest("tagDistribution() gives each tag's share of sampled posts per day, week and month", async (db) => {
  await seed(db);
  const day = await tagDistribution(db, { bucket: "day" });
  assert.deepEqual(day.periods.map((p, i) => [p, day.posts[i]]), [
    ["2026-03-02", 10],
    ["2026-03-04", 10],
    ["2026-03-09", 5],
    ["2026-04-01", 4],
  ]);
  // the mean probability: 2 posts at 0.75 and 8 at 0.25 on 2026-03-02
  const cats = day.series.find((s) => s.tag === "cats")!;
  assert.deepEqual(cats.expected_shares.map((x) => Math.round(x * 1000) / 1000), [0.35, 0.4, 0.75, 0.25]);
  assert.equal(day.share_estimate.method, "probabilities", "the response says which estimate it gives");
  assert.deepEqual(shares(day, "cats"), [
    ["2026-03-02", 2, 10, 0.2],
    ["2026-03-04", 3, 10, 0.3],
    ["2026-03-09", 5, 5, 1],
    ["2026-04-01", 0, 4, 0],
  ]);
  const week = await tagDistribution(db, { bucket: "week" });
  assert.deepEqual(shares(week, "cats"), [
    ["2026-03-02", 5, 20, 0.25],
    ["2026-03-09", 5, 5, 1],
    ["2026-03-30", 0, 4, 0],
  ]);
  assert.deepEqual(shares(week, "dogs"), [
    ["2026-03-02", 1, 20, 0.05],
    ["2026-03-09", 0, 5, 0],
    ["2026-03-30", 2, 4, 0.5],
  ]);
  const month = await tagDistribution(db, { bucket: "month" });
  assert.deepEqual(shares(month, "cats"), [["2026-03-01", 10, 25, 0.4], ["2026-04-01", 0, 4, 0]]);
  assert.deepEqual(month.series.map((s) => [s.tag, s.tagged]), [["cats", 10], ["dogs", 3]]);
});

dbTest("tagDistribution() filters by range, platform, language and tag", async (db) => {
  await seed(db);
  const blue = await tagDistribution(db, { bucket: "week", platform: "bluesky" });
  assert.deepEqual(shares(blue, "cats"), [["2026-03-09", 5, 5, 1]]);
  const fr = await tagDistribution(db, { bucket: "month", lang: "fr" });
  assert.deepEqual(fr.series.map((s) => s.tag), ["dogs"]);
  assert.deepEqual(shares(fr, "dogs"), [["2026-04-01", 2, 4, 0.5]]);
  const range = await tagDistribution(db, { bucket: "day", from: "2026-03-03", to: "2026-03-09" });
  assert.deepEqual(range.periods, ["2026-03-04", "2026-03-09"]);
  const onlyDogs = await tagDistribution(db, { bucket: "month", tags: ["dogs"] });
  assert.deepEqual(onlyDogs.series.map((s) => s.tag), ["dogs"]);
  const top1 = await tagDistribution(db, { bucket: "month", limit: 1 });
  assert.deepEqual(top1.series.map((s) => s.tag), ["cats"]);
});

Deno.test("roundShare() keeps 4 significant digits and prints them short", () => {
  assert.deepEqual([1 / 3, 2 / 3, 0.05, 1, 0, 1 / 7000, 0.99996].map(roundShare), [
    0.3333,
    0.6667,
    0.05,
    1,
    0,
    0.0001429,
    1,
  ]);
  assert.equal(JSON.stringify(roundShare(0.123456789)), "0.1235");
});
