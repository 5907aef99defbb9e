/**
 * Real crashes: `deno task ingest`, `preprocess` and `infer` over the hostile corpus are killed with
 * SIGKILL at seeded random points, twice each, then run to the end; what they leave must equal an
 * uninterrupted run's, row for row and feature key for feature key (tests/support/faults.ts).
 * Infer reruns wait out a 2-second lease (a killed run's claim looks alive until then).
 */
import assert from "node:assert/strict";
import { postgresAvailable } from "./support/db.ts";
import { runFaults, STAGES } from "./support/faults.ts";

Deno.test({
  name: "ingest, preprocess and infer killed with SIGKILL at random points end as an uninterrupted run does",
  ignore: !postgresAvailable() && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await runFaults({ engine: "postgres", kills: 2, seed: 7, good: 60 });
    assert.equal(report.accountedFor, report.rowsTried, JSON.stringify(report));
    assert.equal(report.outsideBytesInBlobs, 0);
    for (const stage of STAGES) {
      const s = report.stages[stage];
      assert.equal(s.crashes, 0, `${stage}: ${JSON.stringify(s)}`);
      assert.equal(s.duplicates, 0, `${stage}: ${JSON.stringify(s)}`);
      assert.equal(s.losses, 0, `${stage}: ${JSON.stringify(s)}`);
      assert.ok(s.rows > 0, stage);
    }
    // A later kill may find the job done already (the killed runs did most of the work): each stage
    // must have been killed mid-run at least once.
    for (const stage of STAGES) {
      assert.ok(report.stages[stage].killsLanded >= 1, `${stage}: ${JSON.stringify(report.stages[stage])}`);
    }
  },
});
