/** GET /api/experiments: every training run from its manifest, for the experiments page. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { RouteDeps } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { readExperimentRuns } from "../manifests.ts";

const score = z.number().nullable();

export const ExperimentsResponse = z.object({
  runs: z.array(z.object({
    id: z.string(),
    createdAt: z.string().nullable(),
    source: z.string().nullable(),
    dataHash: z.string().nullable().describe("sha256 of the training posts and their labels"),
    counts: z.record(z.string(), z.number()).nullable().describe("Posts per split, and tags"),
    codeVersion: z.string().nullable().describe("git SHA, +dirty with uncommitted changes"),
    protocol: z.string().nullable().describe("How the run was evaluated (split or protocol)"),
    seed: z.number().nullable(),
    weightedF05: score,
    macroF05: score,
    microF05: score,
    perLanguage: z.array(z.object({ lang: z.string(), weightedF05: score, n: z.number().nullable() })),
    perTag: z.array(z.object({
      tag: z.string(),
      precision: score,
      recall: score,
      f05: score,
      support: z.number().nullable(),
      threshold: z.number().nullable(),
    })),
    backend: z.string().nullable(),
    textEncoder: z.string().nullable().describe(
      '"n-grams", or "n-grams + hf-text:NAME" with a sentence encoder',
    ),
    textEncoderDetail: z.string().nullable().describe("The sentence encoder's id@version, provider, files"),
    durationS: z.number().nullable(),
    modelVersion: z.string().nullable(),
    promoted: z.boolean().nullable(),
    reason: z.string().nullable().describe("Why the model was promoted or kept as a candidate"),
    curves: z.object({
      epoch: z.array(z.number()),
      train_loss: z.array(z.number().nullable()),
      val_loss: z.array(z.number().nullable()),
      val_weighted_f05: z.array(z.number().nullable()),
    }).nullable().describe("Per epoch; null in manifests written before curves were kept"),
    minTagPosts: z.number().nullable(),
    error: z.string().nullable().describe("Why the manifest could not be read"),
  })),
}).openapi("Experiments");

export function experimentsRoutes(deps: RouteDeps & { runsDir: string }) {
  const route = createRoute({
    method: "get",
    path: "/",
    summary: "Training runs from their manifests, newest first (older manifests lack some fields: null)",
    responses: responses(ExperimentsResponse, "read"),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    c.header("cache-control", "no-store");
    return c.json({ runs: await readExperimentRuns(deps.runsDir) }, 200);
  });
}
