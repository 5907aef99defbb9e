/**
 * Serve the REST API and the dashboard.
 *
 *   deno task serve [--port 8000] [--host 127.0.0.1]     (or the environment: PORT, HOST)
 *
 * Environment: DATABASE_URL (else the embedded PGlite under data/), API_READ_TOKEN (reads need it when
 * set), API_ADMIN_TOKEN (admin routes are shut without it), API_LABEL_TOKENS (annotators' tokens,
 * "TOKEN=NAME,TOKEN2=NAME2"; the labeling page is shut without), CORS_ORIGINS (comma-separated origins, or *),
 * API_ALLOWED_HOSTS (the Host names answered, comma-separated "host" or "host:port"; default the bound
 * host, its loopback names for 127.0.0.1, this machine's addresses for 0.0.0.0), API_STATEMENT_TIMEOUT_MS
 * (a query's time limit, default 15000). Each 5xx answer is logged to stderr as one JSON line.
 * The dashboard is at http://HOST:PORT/, labeling at /label, runs at /experiments, the API docs at
 * /api/docs. Stops on Ctrl-C.
 */
import { blobsDirOf, loadSettings } from "@/config/mod.ts";
import { createApp, defaultAllowedHosts, parseAllowedHosts, parseLabelTokens } from "@/server/mod.ts";
import { FileBlobStore, openDb } from "@/store/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    port: {
      type: "string",
      default: Deno.env.get("PORT") || "8000",
      help: "port to listen on; 0 picks a free one (env PORT)",
    },
    // Loopback unless asked: the API may be open. The Docker image asks for 0.0.0.0.
    host: {
      type: "string",
      default: Deno.env.get("HOST") || "127.0.0.1",
      help: "address to listen on (env HOST)",
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Cannot listen on port "${values.port}": expected 0-65535`);
  }
  const env = Deno.env.toObject();
  const settings = loadSettings(env);
  const labelTokens = parseLabelTokens(env.API_LABEL_TOKENS ?? "");
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
  const db = await openDb(settings, { statementTimeoutMs });
  const app = createApp({
    db,
    blobs: new FileBlobStore(blobsDirOf(settings)),
    options: {
      readToken: env.API_READ_TOKEN || undefined,
      adminToken: env.API_ADMIN_TOKEN || undefined,
      corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      labelTokens,
      runsDir: settings.runsDir,
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
          `admin ${env.API_ADMIN_TOKEN ? "needs API_ADMIN_TOKEN" : "routes shut (no API_ADMIN_TOKEN)"}; ` +
          `labeling ${
            labelTokens.size
              ? `for ${[...new Set(labelTokens.values())].join(", ")}`
              : "shut (no API_LABEL_TOKENS)"
          }`,
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
