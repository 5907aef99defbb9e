/**
 * Runs store tests on both engines. `dbTest(name, fn)` registers `name [pglite]` and `name [postgres]`;
 * each call of `fn` gets a fresh, migrated database of its own:
 * - PGlite: a copy of a migrated template folder (a fresh PGlite takes ~6 s to start, a copy < 1 s);
 * - PostgreSQL: `create database ... template` on a throwaway cluster — the one `deno task test` started
 *   (TEST_DATABASE_URL), else one this module starts itself. In CI (CI=true) PostgreSQL must be there.
 */
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { type Db, migrate, MIGRATIONS, openPglite, openPostgres } from "@/store/mod.ts";
import { createHash } from "node:crypto";
import { type Cluster, findPostgresBin, startCluster } from "./postgres_cluster.ts";

export type Engine = "pglite" | "postgres";

/** Templates are keyed by the schema's text, so editing a migration never reuses a stale template. */
const SCHEMA_KEY = createHash("sha256").update(JSON.stringify(MIGRATIONS)).digest("hex").slice(0, 12);
const TEMPLATE_DB = `posttagger_template_${SCHEMA_KEY}`;
const testRoot = resolve(Deno.env.get("TEST_DATA_DIR") ?? "data/test");

/** The migrated PGlite template folder, created once (atomically) and reused by every test process. */
export async function pgliteTemplate(): Promise<string> {
  const dir = join(testRoot, `pglite-template-${SCHEMA_KEY}`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  await Deno.mkdir(testRoot, { recursive: true });
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const db = await openPglite(tmp);
  await migrate(db);
  await db.close();
  try {
    await Deno.rename(tmp, dir);
  } catch {
    await Deno.remove(tmp, { recursive: true }); // another process won the race
  }
  return dir;
}

async function copyDir(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (!out.success) {
    throw new Error(`Cannot copy "${from}" to "${to}": ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A fresh migrated PGlite database in a temp folder; closing it removes the folder. */
export async function freshPglite(): Promise<Db> {
  const template = await pgliteTemplate();
  const dir = await Deno.makeTempDir({ prefix: "posttagger-pglite-" });
  await Deno.remove(dir);
  await copyDir(template, dir);
  const db = await openPglite(dir);
  const close = db.close;
  return {
    ...db,
    close: async () => {
      await close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

let ownCluster: Promise<Cluster> | undefined;
let templateReady: Promise<void> | undefined;

/** The admin URL of the test cluster, or undefined when PostgreSQL is unavailable outside CI. */
export async function postgresAdminUrl(): Promise<string | undefined> {
  const given = Deno.env.get("TEST_DATABASE_URL");
  if (given) return given;
  if (!findPostgresBin()) {
    if (Deno.env.get("CI")) {
      throw new Error("CI=true but PostgreSQL is not installed: the PostgreSQL tests must run in CI");
    }
    return undefined;
  }
  ownCluster ??= startCluster().then((c) => {
    globalThis.addEventListener("unload", () => c.stopSync());
    return c;
  });
  return (await ownCluster).url;
}

async function ensureTemplate(adminUrl: string): Promise<void> {
  templateReady ??= (async () => {
    const admin = await openPostgres(adminUrl, { max: 1 });
    try {
      // Several test processes may race here: the advisory lock makes one build the template.
      await admin.query("select pg_advisory_lock(4242)");
      const exists = await admin.query("select 1 from pg_database where datname = $1", [TEMPLATE_DB]);
      if (exists.length === 0) {
        await admin.exec(`create database ${TEMPLATE_DB}`);
        const tpl = await openPostgres(withDatabase(adminUrl, TEMPLATE_DB), { max: 1 });
        await migrate(tpl);
        await tpl.close();
      }
      await admin.query("select pg_advisory_unlock(4242)");
    } finally {
      await admin.close();
    }
  })();
  await templateReady;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh migrated database on the test cluster; closing it drops the database. */
export async function freshPostgres(): Promise<{ db: Db; url: string } | undefined> {
  const adminUrl = await postgresAdminUrl();
  if (!adminUrl) return undefined;
  await ensureTemplate(adminUrl);
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = await openPostgres(adminUrl, { max: 1 });
  try {
    await admin.exec(`create database ${name} template ${TEMPLATE_DB}`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(adminUrl, name);
  const db = await openPostgres(url);
  const close = db.close;
  return {
    url,
    db: {
      ...db,
      close: async () => {
        await close();
        const a = await openPostgres(adminUrl, { max: 1 });
        await a.exec(`drop database if exists ${name} with (force)`).catch(() => {});
        await a.close();
      },
    },
  };
}

export const postgresAvailable = (): boolean => !!Deno.env.get("TEST_DATABASE_URL") || !!findPostgresBin();

/** Registers the test once per engine, each run on a fresh database. */
export function dbTest(name: string, fn: (db: Db, engine: Engine) => Promise<void>): void {
  Deno.test({
    name: `${name} [pglite]`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const db = await freshPglite();
      try {
        await fn(db, "pglite");
      } finally {
        await db.close();
      }
    },
  });
  Deno.test({
    name: `${name} [postgres]`,
    ignore: !postgresAvailable() && !Deno.env.get("CI"),
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const pg = await freshPostgres();
      if (!pg) throw new Error("PostgreSQL test database unavailable");
      try {
        await fn(pg.db, "postgres");
      } finally {
        await pg.db.close();
      }
    },
  });
}
