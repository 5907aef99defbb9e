import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { addDays } from "./_filter.ts";
import { detectBursts } from "./bursts.ts";
import { refreshAggregates } from "./refresh.ts";
import { type DaySpec, seedDays } from "../../tests/support/trend_days.ts";

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

/** 20 days of 20 posts: "steady" 2 a day but 10 on days 15-16; "small" 3 on day 10; "late" 6 on day 20. */
async function seed(db: Db) {
  const specs: DaySpec[] = [];
  for (let i = 1; i <= 20; i++) {
    const tagged: Record<string, number> = { steady: i === 15 || i === 16 ? 10 : 2 };
    if (i === 10) tagged.small = 3;
    if (i === 20) tagged.late = 6;
    specs.push({ day: addDays("2026-04-30", i), n: 20, tagged });
  }
  await seedDays(db, specs, ["steady", "small", "late"]);
  await refreshAggregates(db);
}

dbTest("detectBursts() flags shares far above the trailing baseline, with start, peak and z", async (db) => {
  await seed(db);
  const { bursts, lastPeriod } = await detectBursts(db, { window: 7, minHistory: 7 });
  assert.equal(lastPeriod, "2026-05-20");
  assert.deepEqual(bursts.map((b) => [b.tag, b.start, b.end, b.peak, b.active]), [
    ["late", "2026-05-20", "2026-05-20", "2026-05-20", true], // 0.3 over a zero baseline: z = 0.3 / (1/20) = 6
    ["steady", "2026-05-15", "2026-05-15", "2026-05-15", false], // day 16's baseline holds day 15: z = 2.45
  ]);
  const steady = bursts[1];
  close(steady.peakZ, 0.4 / Math.sqrt((0.1 * 0.9) / 20)); // sd 0 -> binomial se 0.0671: z 5.963
  assert.equal(steady.peakShare, 0.5);
  assert.equal(steady.peakTagged, 10);
  close(steady.baseline, 0.1);
  close(bursts[0].peakZ, 6);
});

dbTest("detectBursts() needs a minimum count, a full enough history and the threshold", async (db) => {
  await seed(db);
  const low = await detectBursts(db, { window: 7, minCount: 3, threshold: 2.9 });
  assert.ok(low.bursts.some((b) => b.tag === "small" && b.peak === "2026-05-10")); // z = 0.15 / 0.05 = 3
  const defaults = await detectBursts(db, { window: 7, threshold: 2.9 });
  assert.ok(!defaults.bursts.some((b) => b.tag === "small")); // 3 tagged < minCount 5
  const strict = await detectBursts(db, { window: 7, threshold: 6.5 });
  assert.deepEqual(strict.bursts, []);
  const onlyRange = await detectBursts(db, { window: 7, from: "2026-05-16", to: "2026-05-19" });
  assert.deepEqual(onlyRange.bursts, []);
  const tag = await detectBursts(db, { window: 7, tag: "steady" });
  assert.deepEqual(tag.bursts.map((b) => b.tag), ["steady"]);
  const longWindow = await detectBursts(db, { window: 30, minHistory: 20 });
  assert.deepEqual(longWindow.bursts, []);
});
