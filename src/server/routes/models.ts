/** GET /api/models: the model registry, and the model in use. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { int, type RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { iso, ModelsResponse } from "../schemas.ts";

const query = z.strictObject({ limit: int(1, 200).default(20) });

interface ModelRow {
  version: string;
  created_at: Date;
  run_id: string | null;
  status: string;
  metrics: Record<string, unknown>;
  [k: string]: unknown;
}

const route = createRoute({
  method: "get",
  path: "/",
  summary: "Registered models, newest first, and the current one",
  request: { query },
  responses: responses(ModelsResponse, "read"),
  ...security("read"),
});

const out = (m: ModelRow) => ({ ...m, created_at: iso(m.created_at) });

export function modelsRoutes(deps: RouteDeps) {
  return routeApp().openapi(route, async (c) => {
    const models = await deps.db.query<ModelRow>(
      `select version, created_at, run_id, status, metrics from models order by created_at desc, version limit $1`,
      [c.req.valid("query").limit],
    );
    const current = await deps.db.query<ModelRow>(
      `select version, created_at, run_id, status, metrics from models where status = 'current'
       order by created_at desc limit 1`,
    );
    c.header("cache-control", "no-store");
    return c.json({ current: current[0] ? out(current[0]) : null, models: models.map(out) }, 200);
  });
}
