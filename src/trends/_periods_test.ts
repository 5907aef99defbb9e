import assert from "node:assert/strict";
import { addDays } from "./_filter.ts";
import { type Bucket, nextPeriod, periodStart, rangeSegments, type Segment } from "./_periods.ts";
import { mulberry32 } from "@/core/mod.ts";

Deno.test("periodStart() and nextPeriod() give Monday weeks and calendar months", async (t) => {
  const cases: [Bucket, string, string, string][] = [
    ["day", "2026-02-28", "2026-02-28", "2026-03-01"],
    ["week", "2026-01-01", "2025-12-29", "2026-01-05"], // a Thursday
    ["week", "2026-01-05", "2026-01-05", "2026-01-12"], // a Monday
    ["week", "2026-01-11", "2026-01-05", "2026-01-12"], // a Sunday
    ["month", "2024-02-29", "2024-02-01", "2024-03-01"],
    ["month", "2025-12-31", "2025-12-01", "2026-01-01"],
  ];
  for (const [bucket, day, start, next] of cases) {
    await t.step(`${bucket} of ${day}`, () => {
      assert.equal(periodStart(bucket, day), start);
      assert.equal(nextPeriod(bucket, day), next);
    });
  }
});

/** The days the (bounded) segments cover. */
function days(segments: Segment[]): string[] {
  const out: string[] = [];
  for (const s of segments) for (let d = s.from!; d < s.until!; d = addDays(d, 1)) out.push(d);
  return out;
}

Deno.test("rangeSegments() covers each day of a range once, in whole periods that stay inside it", () => {
  const rand = mulberry32(3);
  const base = "2024-12-20";
  for (let i = 0; i < 400; i++) {
    const from = addDays(base, Math.floor(rand() * 200));
    const to = addDays(from, Math.floor(rand() * (i % 2 ? 10 : 120)));
    for (const coarsest of ["day", "week", "month"] as Bucket[]) {
      const segments = rangeSegments(from, to, coarsest);
      const covered = days(segments);
      const expected: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) expected.push(d);
      assert.deepEqual([...covered].sort(), expected, `${from}..${to} by ${coarsest}`);
      for (const s of segments) {
        assert.ok(["day", "week", "month"].indexOf(s.bucket) <= ["day", "week", "month"].indexOf(coarsest));
        // Segment bounds are period starts, so every period read lies whole inside the range...
        assert.equal(periodStart(s.bucket, s.from!), s.from);
        assert.equal(periodStart(s.bucket, s.until!), s.until);
        // ...and a finer period lies inside one period of the coarsest bucket (summed into it).
        for (let d = s.from!; d < s.until!; d = nextPeriod(s.bucket, d)) {
          const last = addDays(nextPeriod(s.bucket, d), -1);
          assert.equal(periodStart(coarsest, d), periodStart(coarsest, last));
        }
      }
    }
  }
});

Deno.test("rangeSegments() reads open ends as whole periods and an empty range as none", () => {
  assert.deepEqual(rangeSegments(undefined, undefined, "month"), [{
    bucket: "month",
    from: undefined,
    until: undefined,
  }]);
  assert.deepEqual(rangeSegments("2026-01-15", undefined, "month"), [
    { bucket: "day", from: "2026-01-15", until: "2026-01-19" },
    { bucket: "week", from: "2026-01-19", until: "2026-01-26" },
    { bucket: "day", from: "2026-01-26", until: "2026-02-01" },
    { bucket: "month", from: "2026-02-01", until: undefined },
  ]);
  assert.deepEqual(rangeSegments(undefined, "2026-03-03", "week"), [
    { bucket: "week", from: undefined, until: "2026-03-02" },
    { bucket: "day", from: "2026-03-02", until: "2026-03-04" },
  ]);
  assert.deepEqual(rangeSegments("2026-03-04", "2026-03-03", "month"), []);
  assert.throws(() => rangeSegments("2026-13-01", undefined, "day"), /Cannot use day "2026-13-01"/);
});
