/**
 * The image's entry command lines, run here (no Docker engine) against a local PostgreSQL with the
 * image's environment: the Dockerfile's CMD serves on 0.0.0.0 and its HEALTHCHECK command passes against
 * it; compose.yaml's server runs that same CMD, and its scheduler runs docker/crontab — the README's infer
 * and retrain lines, checked to be the same — whose jobs reach the database. Also checks compose.yaml's
 * wiring (PostgreSQL health before the jobs, shared volumes, every `deno task` it names exists).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { freshPostgres, postgresAvailable } from "./support/db.ts";

const DOCKERFILE = await Deno.readTextFile("Dockerfile");
const COMPOSE = parse(await Deno.readTextFile("compose.yaml"));
const TASKS = Object.keys(JSON.parse(await Deno.readTextFile("deno.json")).tasks);

/** The JSON (exec) form of an instruction's command, continuation lines joined. */
function execForm(keyword: "CMD" | "HEALTHCHECK"): string[] {
  const joined = DOCKERFILE.replace(/\\\n\s*/g, " ");
  const line = joined.split("\n").find((l) => l.startsWith(`${keyword} `));
  assert.ok(line, `the Dockerfile has a ${keyword}`);
  const json = keyword === "CMD" ? line.slice(4) : line.slice(line.indexOf(" CMD ") + 5);
  return JSON.parse(json.trim());
}

/** The cron lines of the README's Scheduling block, as the command after `cd DIR &&`, without the log redirect. */
function readmeJobs(readme: string): string[] {
  const block = readme.match(/## Scheduling\s+```cron\n([\s\S]*?)```/)?.[1] ?? "";
  return block.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) =>
    l.replace(/^((\S+\s+){5})cd \S+ && /, "$1").replace(/\s*>>\s*\S+\s+2>&1\s*$/, "").replace(/\s+/g, " ")
      .trim()
  );
}

const cronJobs = (text: string) =>
  text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => l.replace(/\s+/g, " ").trim());

Deno.test("compose.yaml runs PostgreSQL, the image's server command and the scheduler on the README's lines", async () => {
  const { postgres, server, scheduler } = COMPOSE.services;
  assert.match(postgres.image, /^postgres:1[5-9]/);
  assert.ok(postgres.healthcheck.test.join(" ").includes("pg_isready"));
  assert.deepEqual(server.command, execForm("CMD"), "the server runs the image's CMD");
  assert.deepEqual(server.ports, ["8000:8000"]);
  for (const s of [server, scheduler]) {
    assert.equal(s.depends_on.postgres.condition, "service_healthy");
    assert.match(s.environment.DATABASE_URL, /^postgres:\/\/[^@]+@postgres:5432\//);
    assert.deepEqual(s.volumes, ["data:/app/data", "models:/app/models"]);
  }
  assert.deepEqual(scheduler.command.slice(0, 3), ["deno", "task", "schedule"]);
  const crontab = scheduler.command[scheduler.command.indexOf("--crontab") + 1];
  assert.deepEqual(
    cronJobs(await Deno.readTextFile(crontab)),
    readmeJobs(await Deno.readTextFile("README.md")),
  );
  const named = [...JSON.stringify(COMPOSE).matchAll(/"deno","task","([\w-]+)"/g)].map((m) => m[1]);
  const inCron = [...(await Deno.readTextFile(crontab)).matchAll(/deno task ([\w-]+)/g)].map((m) => m[1]);
  assert.deepEqual([...named, ...inCron].filter((t) => !TASKS.includes(t)), []);
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test({
  name:
    "the image's CMD serves on 0.0.0.0 against PostgreSQL, its HEALTHCHECK passes, the scheduler's jobs run",
  ignore: !postgresAvailable() && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const pg = await freshPostgres();
    assert.ok(pg, "a PostgreSQL for the test");
    const root = await Deno.makeTempDir({ prefix: "docker-entry-" });
    const port = freePort();
    // The image's ENV, with /app/data and /app/models under the temp folder.
    const env = {
      DATA_DIR: join(root, "data"),
      MODELS_DIR: join(root, "models"),
      RUNS_DIR: join(root, "data", "runs"),
      ANON_SECRET_FILE: join(root, "data", "secrets", "anon.key"),
      DATABASE_URL: pg.url,
      PORT: String(port),
      NO_COLOR: "1",
    };
    const [cmd, ...cmdArgs] = execForm("CMD");
    const server = new Deno.Command(cmd === "deno" ? Deno.execPath() : cmd, {
      args: cmdArgs,
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let log = "";
    try {
      const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const deadline = Date.now() + 60_000;
      while (!log.includes("database: ") && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        log += value;
      }
      reader.releaseLock();
      assert.match(log, new RegExp(`dashboard: http://0\\.0\\.0\\.0:${port}/`), log);
      assert.match(log, /database: postgres/);

      const [hc, ...hcArgs] = execForm("HEALTHCHECK");
      assert.equal(hc, "node");
      const check = await new Deno.Command(hc, { args: hcArgs, env }).output();
      assert.equal(check.code, 0, `HEALTHCHECK failed: ${text(check.stderr)}`);
      const health = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json();
      assert.equal(health.status, "ok");
      assert.equal(health.db.engine, "postgres");
      // The check fails when nothing answers: it tests something.
      const down = await new Deno.Command(hc, {
        args: hcArgs,
        env: { ...env, PORT: String(freePort()) },
      })
        .output();
      assert.notEqual(down.code, 0);
    } finally {
      server.kill("SIGTERM");
      const status = await server.status;
      await server.stdout.cancel().catch(() => {});
      await server.stderr.cancel().catch(() => {});
      assert.equal(status.code, 0, "SIGTERM stops the server cleanly");
    }

    // The scheduler's command, each crontab line once: both jobs reach PostgreSQL and say what is missing.
    const sched = COMPOSE.services.scheduler.command as string[];
    const once = await new Deno.Command(Deno.execPath(), { args: [...sched.slice(1), "--once"], env })
      .output();
    const out = text(once.stdout) + text(once.stderr);
    assert.match(out, /schedule: start "deno task infer --since 6h"/);
    assert.match(out, /schedule: start "\{ deno task train --check-drift;/);
    assert.match(out, /Cannot find the current model .*none promoted yet. Run: deno task train/);
    assert.equal(once.code, 1, "a failed job makes --once fail");
    await pg.db.close();
    await Deno.remove(root, { recursive: true });
  },
});
