/**
 * The Hono app: the REST API under /api (validated at the edge, JSON errors, ETags, tokens, CORS), its
 * OpenAPI document and docs page, and the dashboard at /. Testable with `app.request()`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { Context, Next } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Db } from "@/store/mod.ts";
import { aggregatesGeneration, UnknownTagError } from "@/trends/mod.ts";
import { requireToken, ResponseCache, type RouteDeps } from "./_http.ts";
import { routeApp } from "./_openapi.ts";
import { loadAssets } from "./assets.ts";
import { docsPage, openApiDocument } from "./openapi.ts";
import { adminRoutes } from "./routes/admin.ts";
import { jobsRoutes } from "./routes/jobs.ts";
import { burstsRoutes } from "./routes/bursts.ts";
import { clustersRoutes } from "./routes/clusters.ts";
import { distributionRoutes } from "./routes/distribution.ts";
import { growthRoutes } from "./routes/growth.ts";
import { healthRoutes } from "./routes/health.ts";
import { modelsRoutes } from "./routes/models.ts";
import { runsRoutes } from "./routes/runs.ts";
import { tagsRoutes } from "./routes/tags.ts";
import { topPostsRoutes } from "./routes/top_posts.ts";
import { BlobSigner } from "./_annotators.ts";
import { blobsRoutes } from "./routes/blobs.ts";
import { experimentsRoutes } from "./routes/experiments.ts";
import { labelRoutes } from "./routes/label.ts";
import type { BlobStore } from "@/store/mod.ts";
import {
  hostAllowlist,
  isQueryTimeout,
  redactRunsForReaders,
  securityHeaders,
  serverErrorLog,
  type ServerLogger,
} from "./_security.ts";

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
  /** Annotator tokens: token -> annotator name (API_LABEL_TOKENS). @default none: labeling is shut */
  labelTokens?: Map<string, string>;
  /** How long a post handed to an annotator stays theirs without an answer, seconds. @default 900 */
  leaseSeconds?: number;
  /** Experiment manifests, for /experiments and the model's thresholds. @default "experiments/runs" */
  runsDir?: string;
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
  /** The media files, for the labeling page. @default none: media are listed but not shown */
  blobs?: BlobStore;
  options?: AppOptions;
}

export function createApp(deps: AppDeps): OpenAPIHono {
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
  const app = routeApp();
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

  const api = routeApp();
  // Open: health, the OpenAPI document (from the routes mounted below) and its page.
  api.route("/health", healthRoutes(routeDeps));
  let doc: ReturnType<typeof openApiDocument> | undefined, docsHtml: string | undefined;
  api.get("/openapi.json", (c) => c.json(doc ??= openApiDocument(app)));
  api.get("/docs", (c) => c.html(docsHtml ??= docsPage(doc ??= openApiDocument(app))));
  // Admin: always a token; without one configured the routes are shut.
  const adminOnly = [async (c: Context, next: Next) => {
    if (!options.adminToken) {
      return c.json({
        error: "Cannot authorize the admin route: no admin token is configured (API_ADMIN_TOKEN)",
      }, 403);
    }
    await next();
  }, requireToken([options.adminToken], "the admin route")] as const;
  api.use("/admin/*", ...adminOnly);
  api.route("/admin", adminRoutes(routeDeps));
  api.use("/jobs", ...adminOnly);
  api.route("/jobs", jobsRoutes(routeDeps));
  // Labeling: an annotator's own token; media through the signed URLs the labeling routes give out.
  const labelTokens = options.labelTokens ?? new Map<string, string>();
  const signer = new BlobSigner(labelTokens);
  const runsDir = options.runsDir ?? "experiments/runs";
  api.route(
    "/label",
    labelRoutes({
      ...routeDeps,
      tokens: labelTokens,
      signer,
      runsDir,
      leaseSeconds: options.leaseSeconds ?? 900,
    }),
  );
  if (deps.blobs) api.route("/blobs", blobsRoutes({ ...routeDeps, blobs: deps.blobs, signer }));
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
  api.route("/experiments", experimentsRoutes({ ...routeDeps, runsDir }));
  app.route("/api", api);

  if (options.dashboard ?? true) {
    const assets = loadAssets(options.echartsPath);
    for (const [path, asset] of assets) {
      app.get(path, (c) => {
        c.header("content-type", asset.type);
        c.header("cache-control", asset.type.startsWith("text/html") ? "no-cache" : "public, max-age=3600");
        return c.body(asset.body.slice());
      });
    }
  }
  return app;
}
