/**
 * One query interface over two engines: the embedded PGlite (default) and a real PostgreSQL through
 * postgres.js (when DATABASE_URL is set). SQL is written once, with $1-style parameters, and runs on both.
 */

export type Row = Record<string, unknown>;

export interface Db {
  /** "pglite" for the embedded engine, "postgres" for a server. */
  readonly kind: "pglite" | "postgres";
  /** Runs one parameterized statement and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Bulk-loads rows with `COPY table (columns) FROM STDIN` and returns the number written; only where the
   * engine streams COPY (PostgreSQL), else undefined. COPY skips no row: a duplicate key fails it.
   * Values: string, finite number, boolean, or null.
   */
  copyRows?(table: string, columns: string[], rows: Iterable<CopyValue[]>): Promise<number>;
  close(): Promise<void>;
}

export type CopyValue = string | number | boolean | null;

/** Raised when the database cannot be reached or opened; the message says what to do next. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/**
 * True when the database refused a statement because of the values in it (SQLSTATE class 22, data
 * exception, or 23, integrity constraint): another row may well succeed, so a job can set this one aside.
 * Connection and server failures are not data errors.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code);
}
