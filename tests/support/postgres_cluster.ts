/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, start on a free loopback port,
 * remove it all afterwards. initdb refuses to run as root, so as root it runs as the `postgres` user.
 */
import { existsSync } from "node:fs";

export interface Cluster {
  /** Connection URL of the cluster's `postgres` database (superuser, trust auth on loopback). */
  url: string;
  dir: string;
  stop(): Promise<void>;
  /** For unload handlers, which cannot await. */
  stopSync(): void;
}

/** The folder holding initdb/pg_ctl, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const candidates = [Deno.env.get("PG_BIN")];
  try {
    for (const e of Deno.readDirSync("/usr/lib/postgresql")) {
      candidates.push(`/usr/lib/postgresql/${e.name}/bin`);
    }
  } catch { /* not installed */ }
  return candidates.filter((c): c is string => !!c).sort().reverse().find((c) => existsSync(`${c}/initdb`));
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export async function startCluster(): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      "Cannot start a test PostgreSQL: no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)",
    );
  }
  const isRoot = Deno.uid() === 0;
  const dir = await Deno.makeTempDir({ prefix: "posttagger-pg-" });
  const asUser = (cmd: string, args: string[]) =>
    isRoot
      ? new Deno.Command("runuser", { args: ["-u", "postgres", "--", cmd, ...args] })
      : new Deno.Command(cmd, { args });
  if (isRoot) {
    const pw = new Deno.Command("id", { args: ["-u", "postgres"] }).outputSync();
    const uid = Number(new TextDecoder().decode(pw.stdout).trim());
    await Deno.chown(dir, uid, null);
  }
  const run = async (cmd: Deno.Command, what: string) => {
    const out = await cmd.output();
    if (!out.success) {
      throw new Error(`Cannot ${what}: ${new TextDecoder().decode(out.stderr).trim() || `exit ${out.code}`}`);
    }
  };
  await run(
    asUser(`${bin}/initdb`, [
      "-D",
      `${dir}/data`,
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
      "-E",
      "UTF8",
    ]),
    "initialize a test PostgreSQL cluster",
  );
  const port = freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off ` +
    `-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB`;
  await run(
    asUser(`${bin}/pg_ctl`, ["-D", `${dir}/data`, "-o", opts, "-l", `${dir}/log`, "-w", "-t", "60", "start"]),
    "start the test PostgreSQL cluster",
  );
  const stopArgs = ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"];
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await asUser(`${bin}/pg_ctl`, stopArgs).output();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      asUser(`${bin}/pg_ctl`, stopArgs).outputSync();
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort */ }
    },
  };
}
