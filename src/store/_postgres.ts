import postgres from "postgres";
import { redactUrl } from "@/config/mod.ts";
import { type CopyValue, DatabaseUnavailableError, type Db, type Row } from "./db.ts";

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
    copyRows(table: string, columns: string[], rows: Iterable<CopyValue[]>) {
      if ("begin" in sql) return (sql as postgres.Sql).begin((tx) => copyIn(tx, table, columns, rows));
      return copyIn(sql, table, columns, rows);
    },
    close,
  };
}

const encoder = new TextEncoder();

/**
 * COPY FROM STDIN inside a transaction. postgres.js reports a COPY that the server rejects nowhere once
 * the stream has ended (it waits for "finish" forever), so the outcome is read from the statement after
 * it: a rejected COPY leaves the transaction aborted.
 */
async function copyIn(tx: Sql, table: string, columns: string[], rows: Iterable<CopyValue[]>) {
  const stream = await tx.unsafe(`copy ${ident(table)} (${columns.map(ident).join(", ")}) from stdin`)
    .writable();
  let broken: Error | undefined;
  stream.on("error", (err: Error) => (broken ??= err));
  const send = (chunk: string) =>
    new Promise<void>((resolve, reject) => {
      if (stream.write(encoder.encode(chunk), (err) => err && reject(err))) resolve();
      else stream.once("drain", resolve);
    });
  let chunk = "", n = 0;
  try {
    for (const row of rows) {
      if (row.length !== columns.length) {
        throw new RangeError(
          `Cannot copy a row into "${table}": it has ${row.length} values for ${columns.length} columns`,
        );
      }
      chunk += row.map(copyText).join("\t") + "\n";
      n++;
      if (chunk.length >= 1 << 20) {
        await send(chunk);
        chunk = "";
      }
      if (broken) throw broken;
    }
    if (chunk) await send(chunk);
  } catch (err) {
    stream.destroy(err as Error); // sends CopyFail: the server rolls the COPY back
    await new Promise((resolve) => setTimeout(resolve, 0));
    throw err;
  }
  try {
    await afterCopy(tx, stream);
  } catch (err) {
    throw new Error(
      `Cannot copy ${n} rows into "${table}": the server rejected them (a duplicate key, a missing ` +
        `reference or a bad value); the transaction is rolled back`,
      { cause: broken ?? err },
    );
  }
  if (broken) throw broken;
  return n;
}

/**
 * The statement after COPY tells whether the server took it. postgres.js lets the COPY go once the last
 * write has reached the socket and the stream has ended (a tick later); a statement sent before that
 * fails and would fail the transaction with it, so the stream is given that tick.
 */
async function afterCopy(tx: Sql, stream: NodeJS.WritableStream & { writableLength: number }): Promise<void> {
  stream.end();
  for (let tries = 0; stream.writableLength > 0 && tries < 1000; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
  await tx.unsafe("select 1");
}

/** A quoted identifier. */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** One value in COPY's text format. */
function copyText(v: CopyValue): string {
  if (v === null) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new RangeError(`Cannot copy the number "${v}": not finite`);
    return String(v);
  }
  return v.replace(
    /[\\\t\n\r]/g,
    (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"),
  );
}

const jsonText = (v: unknown) => typeof v === "string" ? v : JSON.stringify(v);

/** Connects to a PostgreSQL server; fails fast with a message naming the (redacted) URL. */
export async function openPostgres(
  url: string,
  options: { max?: number; /** statement_timeout of every connection. */ statementTimeoutMs?: number } = {},
): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 4,
    ...(options.statementTimeoutMs
      ? { connection: { statement_timeout: Math.round(options.statementTimeoutMs) } }
      : {}),
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
