/**
 * The Hono app: the REST API under /api (validated at the edge, JSON errors, ETags, tokens, CORS), its
 * OpenAPI document and docs page, and the dashboard at /. Testable with `app.request()`.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { Db } from "@/store/mod.ts";
import { aggregatesGeneration, UnknownTagError } from "@/trends/mod.ts";
import { type Operation, requireToken, ResponseCache, type RouteDeps } from "./_http.ts";
import { loadAssets } from "./assets.ts";
import { DOCS_CSS, docsPage, openApiDocument } from "./openapi.ts";
import {
  hostAllowlist,
  isQueryTimeout,
  redactRunsForReaders,
  securityHeaders,
  serverErrorLog,
  type ServerLogger,
} from "./_security.ts";
import { adminOps, adminRoutes } from "./routes/admin.ts";
import { burstsOps, burstsRoutes } from "./routes/bursts.ts";
import { clustersOps, clustersRoutes } from "./routes/clusters.ts";
import { distributionOps, distributionRoutes } from "./routes/distribution.ts";
import { growthOps, growthRoutes } from "./routes/growth.ts";
import { healthOps, healthRoutes } from "./routes/health.ts";
import { modelsOps, modelsRoutes } from "./routes/models.ts";
import { runsOps, runsRoutes } from "./routes/runs.ts";
import { tagsOps, tagsRoutes } from "./routes/tags.ts";
import { topPostsOps, topPostsRoutes } from "./routes/top_posts.ts";

export { defaultAllowedHosts, parseAllowedHosts, type ServerEvent, type ServerLogger } from "./_security.ts";

export interface AppOptions {
  /** Origins allowed by CORS ("*" for any). @default [] (no CORS headers) */
  corsOrigins?: string[];
  /** Token the read routes require (Bearer). @default undefined: reads are open */
  readToken?: string;
  /** Token the admin routes require (Bearer). @default undefined: admin routes answer 403 */
  adminToken?: string;
  /** Cache-Control max-age of metric responses. @default 30 */
  cacheSeconds?: number;
  /**
   * How long the server keeps a metric response; it is dropped sooner when the aggregates are refreshed
   * (0: no server cache). @default 600
   */
  serverCacheSeconds?: number;
  /** How often the server checks for a refresh of the aggregates, ms. @default 1000 */
  refreshCheckMs?: number;
  /** Serve the dashboard at /. @default true */
  dashboard?: boolean;
  /** Where ECharts is read from. @default node_modules/echarts/dist/echarts.min.js */
  echartsPath?: string;
  /**
   * Host header values answered ("host:port", or "host" for any port); others get 421, so a DNS-rebinding
   * page cannot read a loopback API. @default undefined: any host (scripts/serve.ts always sets it)
   */
  allowedHosts?: string[];
  /** Told about every 5xx answer, with the error behind it (the caller sees none of it). @default none */
  logger?: ServerLogger;
}

export interface AppDeps {
  db: Db;
  options?: AppOptions;
}

/** Every operation of the API, as listed in the OpenAPI document. */
export const OPERATIONS: Operation[] = [
  ...healthOps,
  ...tagsOps,
  ...topPostsOps,
  ...distributionOps,
  ...growthOps,
  ...burstsOps,
  ...clustersOps,
  ...runsOps,
  ...modelsOps,
  ...adminOps,
];

export function createApp(deps: AppDeps): Hono {
  const options = deps.options ?? {};
  const cacheSeconds = options.cacheSeconds ?? 30;
  const routeDeps: RouteDeps = {
    db: deps.db,
    cache: new ResponseCache((options.serverCacheSeconds ?? 600) * 1000, {
      generation: () => aggregatesGeneration(deps.db),
      checkMs: options.refreshCheckMs ?? 1000,
    }),
    cacheSeconds,
    privateReads: !!options.readToken,
  };
  const doc = openApiDocument(OPERATIONS);
  const docsHtml = docsPage(doc);
  const app = new Hono();
  app.use("*", serverErrorLog(options.logger));
  app.use("*", securityHeaders());
  if (options.allowedHosts) app.use("*", hostAllowlist(options.allowedHosts));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      const headers = Object.fromEntries(
        [...c.res.headers.entries()].filter(([k]) => k === "www-authenticate"),
      );
      return c.json({ error: err.message || res.statusText }, err.status, headers);
    }
    if (err instanceof UnknownTagError) return c.json({ error: err.message }, 404);
    if (err instanceof RangeError) return c.json({ error: err.message }, 400);
    if (isQueryTimeout(err)) {
      return c.json({
        error:
          "Cannot answer: the query took longer than the API's statement timeout; narrow the range or try again",
      }, 503);
    }
    return c.json({ error: "Internal error: the request could not be completed" }, 500);
  });
  app.notFound((c) => c.json({ error: `Cannot find ${c.req.method} "${new URL(c.req.url).pathname}"` }, 404));

  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    app.use(
      "/api/*",
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowHeaders: ["Authorization", "Content-Type", "If-None-Match"],
        allowMethods: ["GET", "POST", "OPTIONS"],
        exposeHeaders: ["ETag"],
        maxAge: 600,
      }),
    );
  }

  const api = new Hono();
  // Open: health, the OpenAPI document and its page.
  api.route("/health", healthRoutes(routeDeps));
  api.get("/openapi.json", (c) => c.json(doc));
  api.get("/docs", (c) => c.html(docsHtml));
  api.get("/docs.css", (c) => c.body(DOCS_CSS, 200, { "content-type": "text/css; charset=utf-8" }));
  // Admin: always a token; without one configured the routes are shut.
  api.use("/admin/*", async (c, next) => {
    if (!options.adminToken) {
      return c.json({
        error: "Cannot authorize the admin route: no admin token is configured (API_ADMIN_TOKEN)",
      }, 403);
    }
    await next();
  }, requireToken([options.adminToken], "the admin route"));
  api.route("/admin", adminRoutes(routeDeps));
  // Reads: the read token (or the admin token) when a read token is configured.
  api.use(
    "*",
    requireToken(options.readToken ? [options.readToken, options.adminToken] : [], "the read route"),
  );
  api.route("/tags", tagsRoutes(routeDeps));
  api.route("/tags", topPostsRoutes(routeDeps));
  api.route("/distribution", distributionRoutes(routeDeps));
  api.route("/growth", growthRoutes(routeDeps));
  api.route("/bursts", burstsRoutes(routeDeps));
  api.route("/clusters", clustersRoutes(routeDeps));
  api.use("/runs", redactRunsForReaders(options.adminToken));
  api.route("/runs", runsRoutes(routeDeps));
  api.route("/models", modelsRoutes(routeDeps));
  app.route("/api", api);

  if (options.dashboard ?? true) {
    const assets = loadAssets(options.echartsPath);
    for (const [path, asset] of assets) {
      app.get(path, (c) => {
        c.header("content-type", asset.type);
        c.header("cache-control", path === "/" ? "no-cache" : "public, max-age=3600");
        return c.body(asset.body.slice());
      });
    }
  }
  return app;
}
