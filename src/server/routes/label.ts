/**
 * The labeling API behind /label: the next post of a queue (leased to the annotator), an answer, a skip,
 * and the agreement figures. Every route takes an annotator's own token (API_LABEL_TOKENS).
 */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  labelsPerDay,
  nextAssignment,
  pairwiseAgreement,
  PostTakenError,
  postView,
  QUEUE_DESCRIPTIONS,
  type QueueName,
  QUEUES,
  skipPost,
  submitAnswer,
  tagCoverage,
} from "@/label/mod.ts";
import { listTags } from "@/store/mod.ts";
import { annotatorOf, type BlobSigner } from "../_annotators.ts";
import { httpError, type RouteDeps, tagName } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { modelThresholds, trainingMinimum } from "../manifests.ts";
import { AgreementResponse, AnswerResponse, NextResponse } from "./label_schemas.ts";

/** Keyboard keys of the tag toggles, in vocabulary order; s, n, Enter and ? are the page's own. */
export const TAG_KEYS = "1234567890qwertyuiopadfghjklzxcvbm";

export interface LabelDeps extends RouteDeps {
  tokens: Map<string, string>;
  signer: BlobSigner;
  runsDir: string;
  /** Lease of a post, seconds. */
  leaseSeconds: number;
}

const queue = z.enum(QUEUES);
const postId = z.string().min(1).max(128);
const answerBody = z.strictObject({
  postId,
  queue: queue.default("uncertain"),
  tags: z.array(tagName).max(500).default([]).describe("The tags that apply"),
  none: z.boolean().default(false).describe('"None of these": no tag applies (tags must be empty)'),
});
const skipBody = z.strictObject({ postId, queue: queue.default("uncertain") });

const json = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export function labelRoutes(deps: LabelDeps) {
  const thresholdsByModel = new Map<string, Promise<Record<string, number>>>();
  const predictingThresholds = async () => {
    // The thresholds of the model behind the newest predictions (the queue ranks those), else the current one.
    const rows = await deps.db.query<{ version: string | null }>(
      `select coalesce(
         (select model_version from runs where kind = 'infer' and status = 'succeeded' and model_version is not null
          order by started_at desc limit 1),
         (select version from models where status = 'current' order by created_at desc limit 1)) as version`,
    );
    const version = rows[0]?.version;
    if (!version) return {};
    if (!thresholdsByModel.has(version)) {
      thresholdsByModel.set(version, modelThresholds(deps.runsDir, version));
    }
    return await thresholdsByModel.get(version)!;
  };
  const vocabulary = async () =>
    (await listTags(deps.db)).map((t) => t.name).sort().map((tag, i) => ({ tag, key: TAG_KEYS[i] ?? null }));

  const next = createRoute({
    method: "get",
    path: "/next",
    summary: "The annotator's current post of a queue, else the next one, leased to them",
    request: {
      query: z.strictObject({ queue: queue.default("uncertain").describe("Which posts come next") }),
    },
    responses: responses(NextResponse, "label"),
    ...security("label"),
  });
  const answer = createRoute({
    method: "post",
    path: "/answer",
    summary: "Record the annotator's tags for a post (true for each chosen tag, false for every other one)",
    request: { body: json(answerBody) },
    responses: {
      ...responses(AnswerResponse, "label"),
      409: { description: "Another annotator holds the post" },
    },
    ...security("label"),
  });
  const skip = createRoute({
    method: "post",
    path: "/skip",
    summary: "Pass on a post: it is not shown to this annotator again",
    request: { body: json(skipBody) },
    responses: {
      ...responses(AnswerResponse, "label"),
      409: { description: "Another annotator holds the post" },
    },
    ...security("label"),
  });
  const agreement = createRoute({
    method: "get",
    path: "/agreement",
    summary: "Cohen's kappa per tag for each pair of annotators, labels per annotator per day, posts per tag",
    request: { query: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }) },
    responses: responses(AgreementResponse, "label"),
    ...security("label"),
  });

  const taken = (err: unknown): never => {
    if (err instanceof PostTakenError) throw httpError(409, err.message);
    throw err;
  };

  return routeApp()
    .openapi(next, async (c) => {
      const annotator = annotatorOf(c, deps.tokens);
      const q = c.req.valid("query").queue as QueueName;
      const thresholds = await predictingThresholds();
      const a = await nextAssignment(deps.db, annotator, q, { thresholds, leaseSeconds: deps.leaseSeconds });
      const view = a ? await postView(deps.db, a.postId) : undefined;
      c.header("cache-control", "no-store");
      return c.json({
        annotator,
        queue: q,
        description: QUEUE_DESCRIPTIONS[q],
        queues: QUEUES.map((name) => ({ name, description: QUEUE_DESCRIPTIONS[name] })),
        thresholdsKnown: Object.keys(thresholds).length > 0,
        vocabulary: await vocabulary(),
        assignment: a ? { expiresAt: a.expiresAt, uncertainty: a.uncertainty, tags: a.tags } : null,
        post: view
          ? {
            ...view,
            media: view.media.map((m) => ({
              ...m,
              url: m.sha256 ? deps.signer.url(m.sha256, deps.leaseSeconds + 3600) : null,
            })),
          }
          : null,
      }, 200);
    })
    .openapi(answer, async (c) => {
      const annotator = annotatorOf(c, deps.tokens);
      const body = c.req.valid("json");
      if (body.none && body.tags.length > 0) {
        throw httpError(
          400,
          `Invalid body field "none": "none of these" given with tags "${body.tags.join(", ")}"`,
        );
      }
      if (!body.none && body.tags.length === 0) {
        throw httpError(400, `Invalid body field "tags": choose at least one tag, or "none of these"`);
      }
      const written = await submitAnswer(deps.db, {
        annotator,
        postId: body.postId,
        queue: body.queue,
        tags: body.tags,
        vocabulary: (await vocabulary()).map((v) => v.tag),
      }).catch(taken);
      return c.json({ annotator, postId: body.postId, written }, 200);
    })
    .openapi(skip, async (c) => {
      const annotator = annotatorOf(c, deps.tokens);
      const body = c.req.valid("json");
      const exists = await deps.db.query("select 1 from posts where id = $1", [body.postId]);
      if (exists.length === 0) {
        throw httpError(404, `Cannot skip post "${body.postId}": it is not in the store`);
      }
      await skipPost(deps.db, annotator, body.postId, body.queue).catch(taken);
      return c.json({ annotator, postId: body.postId, written: 0 }, 200);
    })
    .openapi(agreement, async (c) => {
      annotatorOf(c, deps.tokens);
      const needed = await trainingMinimum(deps.runsDir);
      const [pairs, perDay, coverage] = await Promise.all([
        pairwiseAgreement(deps.db),
        labelsPerDay(deps.db, { days: c.req.valid("query").days }),
        tagCoverage(deps.db, needed),
      ]);
      c.header("cache-control", "no-store");
      return c.json({
        needed,
        pairs: pairs.map((p) => ({
          ...p,
          tags: p.tags.map((t) => ({
            ...t,
            kappa: Number.isFinite(t.kappa) ? t.kappa : null,
            observed: Number.isFinite(t.observed) ? t.observed : null,
          })),
        })),
        perDay,
        coverage,
      }, 200);
    });
}
