import type { Db } from "./db.ts";
import { LATEST_VERSION, type Migration, MIGRATIONS } from "./migrations.ts";

/** Raised when the database was migrated by newer code than this. */
export class SchemaTooNewError extends Error {
  override name = "SchemaTooNewError";
}

export interface MigrationResult {
  /** Versions applied by this call (empty when already up to date). */
  applied: number[];
  /** The schema version now in the database. */
  version: number;
}

const LOCK_KEY = 724_301; // any constant: serializes concurrent migrators on one server

/**
 * Brings the schema to the newest version. All pending migrations run in one transaction, so a failure
 * leaves the database as it was; a schema newer than this code is refused.
 */
export async function migrate(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  return await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
    const rows = await tx.query<{ version: number }>(
      "select version from schema_migrations order by version",
    );
    const done = new Set(rows.map((r) => r.version));
    const latestKnown = migrations.at(-1)?.version ?? 0;
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > latestKnown) {
      throw new SchemaTooNewError(
        `Cannot use the database: its schema is version ${newest}, newer than this code's ${latestKnown}. ` +
          `Update the code (git pull) or point DATABASE_URL at another database.`,
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}

/** The schema version recorded in the database (0 when never migrated). */
export async function schemaVersion(db: Db): Promise<number> {
  const exists = await db.query<{ t: string | null }>("select to_regclass('schema_migrations')::text as t");
  if (!exists[0]?.t) return 0;
  const rows = await db.query<{ v: number | null }>("select max(version) as v from schema_migrations");
  return rows[0]?.v ?? 0;
}

export { LATEST_VERSION };
