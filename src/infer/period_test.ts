import assert from "node:assert/strict";
import { inferPeriod, parseDuration } from "./period.ts";

Deno.test("inferPeriod() snaps to the last complete window, so runs in the same window agree", () => {
  const a = inferPeriod("6h", { now: new Date("2026-11-29T13:05:00Z") });
  const b = inferPeriod("6h", { now: new Date("2026-11-29T17:59:59Z") });
  assert.deepEqual(a, { from: new Date("2026-11-29T06:00:00Z"), to: new Date("2026-11-29T12:00:00Z") });
  assert.deepEqual(b, a);
  const c = inferPeriod("6h", { now: new Date("2026-11-29T18:00:00Z") });
  assert.equal(c.from.toISOString(), "2026-11-29T12:00:00.000Z");
});

Deno.test("inferPeriod() ends at an explicit until", () => {
  const p = inferPeriod("1d", { until: new Date("2026-05-03T10:00:00Z") });
  assert.equal(p.from.toISOString(), "2026-05-02T10:00:00.000Z");
  assert.equal(p.to.toISOString(), "2026-05-03T10:00:00.000Z");
});

Deno.test("parseDuration() reads lengths and rejects the rest with the spec quoted", () => {
  assert.equal(parseDuration("30m"), 1_800_000);
  assert.equal(parseDuration("2w"), 14 * 86_400_000);
  for (const bad of ["24mo", "0h", "h", "1.5h"]) {
    assert.throws(
      () => parseDuration(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});
