import { join } from "node:path";
import type { Settings } from "@/config/mod.ts";
import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./_pglite.ts";
import { openPostgres } from "./_postgres.ts";

export interface OpenOptions {
  /** Apply pending migrations on open. @default true */
  migrate?: boolean;
  /**
   * Cancel any statement running longer than this (PostgreSQL's statement_timeout; the server uses it for
   * API queries). @default none
   */
  statementTimeoutMs?: number;
}

/** Opens the store the settings name: PostgreSQL when DATABASE_URL is set, else the embedded PGlite. */
export async function openDb(
  settings: Pick<Settings, "databaseUrl" | "dataDir">,
  options: OpenOptions = {},
): Promise<Db> {
  const db = settings.databaseUrl
    ? await openPostgres(settings.databaseUrl, { statementTimeoutMs: options.statementTimeoutMs })
    : await openPglite(join(settings.dataDir, "pglite"));
  if (options.statementTimeoutMs && db.kind === "pglite") {
    await db.query(`set statement_timeout = ${Math.round(options.statementTimeoutMs)}`);
  }
  if (options.migrate ?? true) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
