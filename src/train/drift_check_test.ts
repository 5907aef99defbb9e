import assert from "node:assert/strict";
import { loadSettings } from "@/config/mod.ts";
import { openStore } from "@/store/mod.ts";
import { checkDrift } from "./drift_check.ts";

Deno.test("checkDrift() says training is due on a fresh install with no model, so the weekly cron line trains", async () => {
  const root = await Deno.makeTempDir({ prefix: "posttagger-drift-" });
  const settings = loadSettings({ POSTTAGGER_ROOT: root });
  const store = await openStore(settings);
  try {
    const report = await checkDrift(store, settings);
    assert.equal(report.due, true);
    assert.deepEqual(report.reasons, ["no model promoted yet"]);
  } finally {
    await store.close();
    await Deno.remove(root, { recursive: true });
  }
});
