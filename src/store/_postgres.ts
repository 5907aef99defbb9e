import postgres from "postgres";
import { redactUrl } from "@/config/settings.ts";
import { DatabaseUnavailableError, type Db, type Row } from "./db.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(sql: Sql, close: () => Promise<void>): Db {
  return {
    kind: "postgres",
    async query<T extends Row = Row>(text: string, params: unknown[] = []) {
      // deno-lint-ignore no-explicit-any -- postgres.js types parameters as its own ParameterOrJSON union
      const rows = await sql.unsafe(text, params as any[], { prepare: params.length > 0 });
      return [...rows] as unknown as T[];
    },
    async exec(text: string) {
      await sql.unsafe(text);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      if (!("begin" in sql)) return fn(wrap(sql, close));
      return (sql as postgres.Sql).begin((tx) => fn(wrap(tx, close))) as Promise<T>;
    },
    close,
  };
}

const jsonText = (v: unknown) => typeof v === "string" ? v : JSON.stringify(v);

/** Connects to a PostgreSQL server; fails fast with a message naming the (redacted) URL. */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 4,
    onnotice: () => {}, // "relation already exists, skipping" and friends are not news
    connect_timeout: 10,
    // Same JS types as PGlite returns: int8 (counts) as numbers.
    types: {
      int8: { to: 20, from: [20], serialize: (v: unknown) => String(v), parse: (v: string) => Number(v) },
      // A string passed for a json(b) parameter is already JSON (as PGlite takes it), not a value to quote.
      jsonb: { to: 3802, from: [3802], serialize: jsonText, parse: (v: string) => JSON.parse(v) },
      json: { to: 114, from: [114], serialize: jsonText, parse: (v: string) => JSON.parse(v) },
    },
  });
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseUnavailableError(
      `Cannot connect to PostgreSQL at "${redactUrl(url)}": ${(err as Error).message}. ` +
        `Check that the server runs and DATABASE_URL is right, or unset DATABASE_URL to use the embedded PGlite.`,
      { cause: err },
    );
  }
  return wrap(sql, () => sql.end({ timeout: 5 }));
}
