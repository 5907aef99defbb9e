import { PGlite, type Transaction } from "@electric-sql/pglite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseUnavailableError, type Db, type Row } from "./db.ts";

type PgliteLike = PGlite | Transaction;

function wrap(pg: PgliteLike, close: () => Promise<void>): Db {
  return {
    kind: "pglite",
    async query<T extends Row = Row>(sql: string, params: unknown[] = []) {
      return (await pg.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      if (!(pg instanceof PGlite)) return fn(wrap(pg, close)); // already inside one: join it
      return pg.transaction((tx) => fn(wrap(tx, close)));
    },
    close,
  };
}

/**
 * Opens the embedded database in `dir` (created on first use). PGlite is single-process: a lock file
 * holding our pid guards the folder, and a stale postmaster.pid left by a killed process is removed
 * (PGlite would otherwise hang on it).
 */
export async function openPglite(dir: string): Promise<Db> {
  await Deno.mkdir(dir, { recursive: true });
  const lockPath = join(dir, "posttagger.lock");
  await claimLock(lockPath, dir);
  const stalePid = join(dir, "postmaster.pid");
  if (existsSync(stalePid)) await Deno.remove(stalePid);
  let pg: PGlite;
  try {
    pg = new PGlite(dir);
    await pg.waitReady;
  } catch (err) {
    await Deno.remove(lockPath).catch(() => {});
    throw new DatabaseUnavailableError(
      `Cannot open the embedded database in "${dir}": ${(err as Error).message}. ` +
        `Move the folder aside to start afresh, or set DATABASE_URL to use a PostgreSQL server.`,
      { cause: err },
    );
  }
  let closed = false;
  return wrap(pg, async () => {
    if (closed) return;
    closed = true;
    await pg.close();
    await Deno.remove(lockPath).catch(() => {});
  });
}

async function claimLock(lockPath: string, dir: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await Deno.open(lockPath, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(String(Deno.pid)));
      file.close();
      return;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      const owner = Number((await Deno.readTextFile(lockPath).catch(() => "")).trim());
      if (owner && owner !== Deno.pid && isAlive(owner)) {
        throw new DatabaseUnavailableError(
          `Cannot open the embedded database in "${dir}": process ${owner} is using it. ` +
            `Stop that process, or set DATABASE_URL to a PostgreSQL server for concurrent jobs.`,
        );
      }
      await Deno.remove(lockPath).catch(() => {}); // stale: its owner is gone
    }
  }
  throw new DatabaseUnavailableError(
    `Cannot lock the embedded database in "${dir}": "${lockPath}" keeps reappearing`,
  );
}

function isAlive(pid: number): boolean {
  try {
    return existsSync(`/proc/${pid}`);
  } catch {
    return false;
  }
}
