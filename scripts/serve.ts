/**
 * Serve the REST API and the dashboard.
 *
 *   deno task serve [--port 8000] [--host 127.0.0.1]     (or the environment: PORT, HOST)
 *
 * Environment: DATABASE_URL (else the embedded PGlite under data/), API_READ_TOKEN (reads need it when
 * set), API_ADMIN_TOKEN (admin routes are shut without it), API_LABEL_TOKENS (annotators' tokens,
 * "TOKEN=NAME,TOKEN2=NAME2"; the labeling page is shut without), CORS_ORIGINS (comma-separated origins, or *).
 * The dashboard is at http://HOST:PORT/, labeling at /label, runs at /experiments, the API docs at
 * /api/docs. Stops on Ctrl-C.
 */
import { join } from "node:path";
import { loadSettings } from "@/config/mod.ts";
import { createApp, parseLabelTokens } from "@/server/mod.ts";
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
  const db = await openDb(settings);
  const app = createApp({
    db,
    blobs: new FileBlobStore(join(settings.dataDir, "blobs")),
    options: {
      readToken: env.API_READ_TOKEN || undefined,
      adminToken: env.API_ADMIN_TOKEN || undefined,
      corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      labelTokens,
      runsDir: settings.runsDir,
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
