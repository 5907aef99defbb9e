/**
 * Serve the REST API and the dashboard.
 *
 *   deno task serve [--port 8000] [--host 127.0.0.1]
 *
 * Environment: DATABASE_URL (else the embedded PGlite under data/), API_READ_TOKEN (reads need it when
 * set), API_ADMIN_TOKEN (admin routes are shut without it), CORS_ORIGINS (comma-separated origins, or *),
 * API_ALLOWED_HOSTS (the Host names answered, comma-separated "host" or "host:port"; default the bound
 * host, its loopback names for 127.0.0.1, this machine's addresses for 0.0.0.0), API_STATEMENT_TIMEOUT_MS
 * (a query's time limit, default 15000). Each 5xx answer is logged to stderr as one JSON line.
 * The dashboard is at http://HOST:PORT/, the API docs at /api/docs. Stops on Ctrl-C.
 */
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/mod.ts";
import { createApp, defaultAllowedHosts, parseAllowedHosts } from "@/server/mod.ts";
import { openDb } from "@/store/mod.ts";
import { run, UsageError } from "./_cli.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: "string", default: "8000" }, // 0 picks a free port
      host: { type: "string", default: "127.0.0.1" }, // loopback unless asked: the API may be open
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Cannot listen on port "${values.port}": expected 0-65535`);
  }
  const env = Deno.env.toObject();
  const statementTimeoutMs = Number(env.API_STATEMENT_TIMEOUT_MS || 15_000);
  if (!(statementTimeoutMs > 0)) {
    throw new UsageError(
      `Cannot use API_STATEMENT_TIMEOUT_MS "${env.API_STATEMENT_TIMEOUT_MS}": expected milliseconds`,
    );
  }
  const given = parseAllowedHosts(env.API_ALLOWED_HOSTS ?? "");
  // Port 0 picks a free port: the default names then match any port.
  const allowedHosts = given.length > 0
    ? given
    : defaultAllowedHosts(values.host, port).map((h) => port === 0 ? h.replace(/:0$/, "") : h);
  const db = await openDb(loadSettings(env), { statementTimeoutMs });
  const app = createApp({
    db,
    options: {
      readToken: env.API_READ_TOKEN || undefined,
      adminToken: env.API_ADMIN_TOKEN || undefined,
      corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      allowedHosts,
      logger: (event) => console.error(JSON.stringify({ level: "error", ...event })),
    },
  });
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const server = Deno.serve({
    hostname: values.host,
    port,
    signal: controller.signal,
    onListen: ({ hostname, port }) => {
      console.log(`dashboard: http://${hostname}:${port}/   API docs: http://${hostname}:${port}/api/docs`);
      console.log(
        `database: ${db.kind}; reads ${env.API_READ_TOKEN ? "need API_READ_TOKEN" : "open"}; ` +
          `admin ${env.API_ADMIN_TOKEN ? "needs API_ADMIN_TOKEN" : "routes shut (no API_ADMIN_TOKEN)"}`,
      );
    },
  }, app.fetch);
  await server.finished;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await db.close();
  console.log("stopped");
  return 0;
}

if (import.meta.main) await run(main);
