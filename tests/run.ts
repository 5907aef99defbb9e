/**
 * The test command: starts one throwaway PostgreSQL cluster for the whole run (when its binaries are
 * installed; required in CI), prepares the PGlite template and the image encoder's graph, runs
 * `deno test`, removes the cluster, and ends with the line `N passed, M failed`.
 *
 *   deno task test [extra deno test args, e.g. a path or --filter NAME]
 */
import { pgliteTemplate, postgresAvailable } from "./support/db.ts";
import { startCluster } from "./support/postgres_cluster.ts";
import { testEncoderCache } from "./support/encoders.ts";

export async function main(args: string[]): Promise<number> {
  const env: Record<string, string> = {};
  let stop = async () => {};
  if (postgresAvailable() && !Deno.env.get("TEST_DATABASE_URL")) {
    const cluster = await startCluster();
    env.TEST_DATABASE_URL = cluster.url;
    stop = cluster.stop;
    console.log(`test PostgreSQL cluster: ${cluster.url} (${cluster.dir})`);
  } else if (!postgresAvailable()) {
    if (Deno.env.get("CI")) {
      throw new Error("CI=true but PostgreSQL is not installed: install postgresql (see .ci/run)");
    }
    console.log("PostgreSQL not installed: the [postgres] tests are skipped (they run in CI)");
  }
  await pgliteTemplate();
  await testEncoderCache(); // once here, not in each test process
  let passed = 0, failed = 0, code = 1;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--parallel", ...args],
      env,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const decoder = new TextDecoder();
    let tail = "";
    for await (const chunk of child.stdout) {
      await Deno.stdout.write(chunk);
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
    }
    code = (await child.status).code;
    // deno test ends with "ok | 21 passed (2 steps) | 0 failed" or "FAILED | ..."
    // deno-lint-ignore no-control-regex -- strip ANSI colours
    const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
    const m = plain.match(/\| (\d+) passed.*?\| (\d+) failed/);
    if (m) [passed, failed] = [Number(m[1]), Number(m[2])];
    else if (code !== 0) failed = 1;
  } finally {
    await stop();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return code === 0 && failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
