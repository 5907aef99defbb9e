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
  close(): Promise<void>;
}

/** Raised when the database cannot be reached or opened; the message says what to do next. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}
