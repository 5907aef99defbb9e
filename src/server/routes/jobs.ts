/** GET /api/jobs: the job engine's queues and the dead-letter list (admin token). */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jobsStatus } from "@/queue/mod.ts";
import { int, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { JobsResponse } from "../schemas.ts";

const query = z.strictObject({ limit: int(1, 1000).default(200) });

const route = createRoute({
  method: "get",
  path: "/",
  summary: "Job queues, jobs that failed every attempt, and posts jobs set aside",
  request: { query },
  responses: responses(JobsResponse, "admin"),
  ...security("admin"),
});

export function jobsRoutes(deps: RouteDeps) {
  return routeApp().openapi(route, async (c) => {
    const status = await jobsStatus(deps.db, c.req.valid("query"));
    c.header("cache-control", "no-store");
    return c.json(status, 200);
  });
}
