/** GET /api/runs: recent pipeline runs. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { listRuns } from "@/store/mod.ts";
import { int, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { iso, RunsResponse } from "../schemas.ts";

const query = z.strictObject({
  kind: z.enum(["ingest", "preprocess", "train", "infer"]).optional(),
  limit: int(1, 200).default(20),
});

const route = createRoute({
  method: "get",
  path: "/",
  summary: "Recent runs, newest first",
  request: { query },
  responses: responses(RunsResponse, "read"),
  ...security("read"),
});

export function runsRoutes(deps: RouteDeps) {
  return routeApp().openapi(route, async (c) => {
    const runs = await listRuns(deps.db, c.req.valid("query"));
    c.header("cache-control", "no-store");
    return c.json({
      runs: runs.map((r) => ({
        ...r,
        started_at: iso(r.started_at),
        finished_at: r.finished_at ? iso(r.finished_at) : null,
      })),
    }, 200);
  });
}
