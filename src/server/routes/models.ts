/** GET /api/models: the model registry, and the model in use. */
import { Hono } from "hono";
import { z } from "zod";
import { int, type Operation, type RouteDeps, valid } from "../_http.ts";

const query = z.strictObject({ limit: int(1, 200).default(20) });

export const modelsOps: Operation[] = [
  {
    method: "get",
    path: "/api/models",
    summary: "Registered models, newest first, and the current one",
    query,
    auth: "read",
  },
];

interface ModelRow {
  version: string;
  created_at: Date;
  run_id: string | null;
  status: string;
  metrics: Record<string, unknown>;
  [k: string]: unknown;
}

export function modelsRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/", valid("query", query), async (c) => {
    const models = await deps.db.query<ModelRow>(
      `select version, created_at, run_id, status, metrics from models order by created_at desc, version limit $1`,
      [c.req.valid("query").limit],
    );
    const current = await deps.db.query<ModelRow>(
      `select version, created_at, run_id, status, metrics from models where status = 'current'
       order by created_at desc limit 1`,
    );
    c.header("cache-control", "no-store");
    return c.json({ current: current[0] ?? null, models });
  });
}
