/** GET /api/runs: recent pipeline runs. */
import { Hono } from "hono";
import { z } from "zod";
import { listRuns } from "@/store/mod.ts";
import { int, type Operation, type RouteDeps, valid } from "../_http.ts";

const query = z.strictObject({
  kind: z.enum(["ingest", "preprocess", "train", "infer"]).optional(),
  limit: int(1, 200).default(20),
});

export const runsOps: Operation[] = [{
  method: "get",
  path: "/api/runs",
  summary: "Recent runs, newest first",
  query,
  auth: "read",
}];

export function runsRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", valid("query", query), async (c) => {
    const runs = await listRuns(deps.db, c.req.valid("query"));
    c.header("cache-control", "no-store");
    return c.json({ runs });
  });
}
