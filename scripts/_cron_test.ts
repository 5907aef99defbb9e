import assert from "node:assert/strict";
import { due, nextRun, parseCrontab } from "./_cron.ts";

const at = (s: string) => new Date(`${s}Z`);

Deno.test("parseCrontab() reads the README's lines and due() matches their minutes", () => {
  const [infer, train] = parseCrontab(
    "# comment\n\n0 */6 * * *  deno task infer --since 6h\n0 3 * * 1    { deno task train --check-drift; }\n",
  );
  assert.equal(infer.command, "deno task infer --since 6h");
  assert.equal(train.command, "{ deno task train --check-drift; }");
  assert.ok(due(infer, at("2026-12-02T06:00:00")));
  assert.ok(!due(infer, at("2026-12-02T07:00:00")));
  assert.ok(!due(infer, at("2026-12-02T06:01:00")));
  assert.ok(due(train, at("2026-11-30T03:00:00")), "a Monday");
  assert.ok(!due(train, at("2026-12-01T03:00:00")), "a Tuesday");
  assert.deepEqual(nextRun(train, at("2026-12-02T00:00:00")), at("2026-12-07T03:00:00"));
  assert.deepEqual(nextRun(infer, at("2026-12-02T06:00:00")), at("2026-12-02T12:00:00"));
});

Deno.test("parseCrontab() handles lists, ranges, Sunday as 7, and either-day matching", () => {
  const [a, b] = parseCrontab("15,45 8-10 * * 7 x\n0 0 1 * 1 y");
  assert.ok(due(a, at("2026-11-29T09:45:00")), "a Sunday");
  assert.ok(!due(a, at("2026-11-29T11:15:00")));
  assert.ok(due(b, at("2026-12-01T00:00:00")), "the 1st (a Tuesday)");
  assert.ok(due(b, at("2026-12-07T00:00:00")), "a Monday");
});

Deno.test("parseCrontab() says which line and field is wrong", () => {
  assert.throws(() => parseCrontab("0 25 * * * x", "jobs"), /jobs:1: hour "25" is outside 0-23/);
  assert.throws(() => parseCrontab("ok\n0 * * *", "jobs"), /jobs:1: expected five time fields/);
  assert.throws(() => parseCrontab("0 * * * mon x"), /day of week "mon" is not/);
});
