/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, start on a free loopback port,
 * remove it all afterwards. initdb refuses to run as root, so as root it runs as the `postgres` user.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

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

export interface ClusterOptions {
  /**
   * Keep the cluster in this folder: reused when it holds one (its data survive `stop()`), created when
   * not. @default a temp folder, removed by `stop()`
   */
  dir?: string;
  /** Extra server settings (`-c name=value`), e.g. `{ shared_buffers: "1GB" }`. @default none */
  settings?: Record<string, string>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      "Cannot start a test PostgreSQL: no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)",
    );
  }
  const isRoot = Deno.uid() === 0;
  const keep = options.dir !== undefined;
  const dir = keep ? resolve(options.dir!) : await Deno.makeTempDir({ prefix: "posttagger-pg-" });
  await Deno.mkdir(dir, { recursive: true });
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
  const pgCtl = (args: string[]) => asUser(`${bin}/pg_ctl`, ["-D", `${dir}/data`, ...args]);
  const stopArgs = ["-m", "immediate", "-w", "stop"];
  if (keep && existsSync(`${dir}/data/postmaster.pid`)) await pgCtl(stopArgs).output(); // left running
  if (!existsSync(`${dir}/data/PG_VERSION`)) {
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
  }
  const port = freePort();
  const settings = {
    listen_addresses: "127.0.0.1",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    shared_buffers: "128MB",
    ...options.settings,
  };
  const opts = `-p ${port} -k ${dir} ` + Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(" ");
  await run(
    pgCtl(["-o", opts, "-l", `${dir}/log`, "-w", "-t", "120", "start"]),
    "start the test PostgreSQL cluster",
  );
  // A kept cluster is stopped cleanly (its data must survive); a throwaway one at once.
  const stopArgsFinal = keep ? ["-m", "fast", "-w", "-t", "120", "stop"] : stopArgs;
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(stopArgsFinal).output();
      if (!keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      pgCtl(stopArgsFinal).outputSync();
      if (keep) return;
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort */ }
    },
  };
}
