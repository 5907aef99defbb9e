import assert from "node:assert/strict";
import { driftVerdict, psi, psiOfShares } from "./drift.ts";
import { mulberry32 } from "@/core/mod.ts";

Deno.test("psiOfShares() matches the formula computed by hand", () => {
  // (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5) = 0.10217 + 0.06730 = 0.16946
  assert.ok(Math.abs(psiOfShares([0.5, 0.5], [0.3, 0.7]) - 0.169462) < 1e-5);
  assert.equal(psiOfShares([0.2, 0.8], [0.2, 0.8]), 0);
});

Deno.test("psi() is near zero for the same distribution and large for a shifted one", () => {
  const r = mulberry32(1);
  const a = Array.from({ length: 5000 }, () => r());
  const b = Array.from({ length: 5000 }, () => r());
  const shifted = b.map((x) => x * 0.5 + 0.5);
  assert.ok(psi(a, b) < 0.02);
  assert.ok(psi(a, shifted) > 0.5);
});

Deno.test("driftVerdict() says retraining is due on drift or age, and why", () => {
  assert.equal(driftVerdict({ followers: 0.05 }, 3).due, false);
  const drift = driftVerdict({ followers: 0.05, tags: 0.31 }, 3);
  assert.deepEqual(drift.reasons, ["tags: PSI 0.310 > 0.2"]);
  assert.equal(driftVerdict({}, 45).due, true);
});
