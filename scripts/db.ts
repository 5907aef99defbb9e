/**
 * Database housekeeping.
 *
 *   deno task db migrate     apply pending migrations (jobs also do this on open)
 *   deno task db status      engine, schema version and row counts
 *   deno task db export-wide data/processed/labels_wide.csv    the wide 0/1 label table for BI tools
 */
import { parseArgs } from "node:util";
import { loadSettings, redactUrl } from "@/config/mod.ts";
import { exportLabelsWideCsv, LATEST_VERSION, openDb, schemaVersion } from "@/store/mod.ts";
import { run, UsageError } from "./_cli.ts";

export async function main(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [command = "status", path] = positionals;
  const settings = loadSettings();
  const where = settings.databaseUrl
    ? `PostgreSQL ${redactUrl(settings.databaseUrl)}`
    : `PGlite ${settings.dataDir}/pglite`;
  if (command === "migrate" || command === "status") {
    const db = await openDb(settings, { migrate: command === "migrate" });
    try {
      const version = await schemaVersion(db);
      console.log(`${where}: schema version ${version} (code knows ${LATEST_VERSION})`);
      if (version > 0) {
        const rows = await db.query<{ t: string; n: number }>(
          `select 'posts' as t, count(*)::int as n from posts union all select 'media', count(*)::int from media
           union all select 'labels', count(*)::int from labels union all select 'tags', count(*)::int from tags
           union all select 'quarantine', count(*)::int from quarantine union all select 'runs', count(*)::int from runs
           union all select 'predictions', count(*)::int from predictions`,
        );
        for (const r of rows) console.log(`  ${r.t.padEnd(12)} ${r.n}`);
      }
    } finally {
      await db.close();
    }
    return 0;
  }
  if (command === "export-wide") {
    if (!path) throw new UsageError("export-wide needs an output path, e.g. data/processed/labels_wide.csv");
    const db = await openDb(settings);
    try {
      console.log(`wrote ${await exportLabelsWideCsv(db, path)} rows to ${path}`);
    } finally {
      await db.close();
    }
    return 0;
  }
  throw new UsageError(`unknown command "${command}": use migrate, status or export-wide`);
}

if (import.meta.main) await run(main);
