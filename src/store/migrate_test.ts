import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { LATEST_VERSION, migrate, SchemaTooNewError, schemaVersion } from "./migrate.ts";

dbTest("migrate() is idempotent and records each version once", async (db) => {
  assert.equal(await schemaVersion(db), LATEST_VERSION);
  const again = await migrate(db);
  assert.deepEqual(again.applied, []);
  const rows = await db.query<{ n: number }>("select count(*)::int as n from schema_migrations");
  assert.equal(rows[0].n, LATEST_VERSION);
});

dbTest("migrate() refuses a schema newer than the code", async (db) => {
  await db.query("insert into schema_migrations (version, name) values ($1, 'from the future')", [
    LATEST_VERSION + 1,
  ]);
  await assert.rejects(() => migrate(db), SchemaTooNewError);
});

dbTest("migrate() applies nothing when a migration fails halfway", async (db) => {
  const broken = [
    { version: LATEST_VERSION + 1, name: "ok part", sql: "create table half_done (x int)" },
    { version: LATEST_VERSION + 2, name: "broken", sql: "create table oops (x nosuchtype)" },
  ];
  const { MIGRATIONS } = await import("./migrations.ts");
  await assert.rejects(() => migrate(db, [...MIGRATIONS, ...broken]), /nosuchtype/);
  const exists = await db.query<{ t: string | null }>("select to_regclass('half_done')::text as t");
  assert.equal(exists[0].t, null);
  assert.equal(await schemaVersion(db), LATEST_VERSION);
});
