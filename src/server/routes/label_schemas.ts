/** Response schemas of the labeling routes. */
import { z } from "zod";
import { QUEUES } from "@/label/mod.ts";

const media = z.object({
  position: z.number().int(),
  kind: z.enum(["image", "video"]),
  sha256: z.string().nullable(),
  mime: z.string().nullable(),
  error: z.string().nullable().describe("Why the file is missing, when it could not be fetched"),
  url: z.string().nullable().describe("A signed, expiring URL of the blob (/api/blobs/...)"),
});

export const NextResponse = z.object({
  annotator: z.string(),
  queue: z.enum(QUEUES),
  description: z.string().describe("What the queue serves, in words"),
  queues: z.array(z.object({ name: z.enum(QUEUES), description: z.string() })),
  thresholdsKnown: z.boolean().describe("The current model's per-tag thresholds were found in its manifest"),
  vocabulary: z.array(
    z.object({ tag: z.string(), key: z.string().nullable().describe("Keyboard shortcut") }),
  ),
  assignment: z.object({
    expiresAt: z.string().describe("The lease ends then unless answered"),
    uncertainty: z.number().nullable().describe("0 sure .. 1 on the threshold; null when not scored"),
    tags: z.array(z.string()).describe("The tag the model is unsure about, or the tags in dispute"),
  }).nullable(),
  post: z.object({
    id: z.string(),
    platform: z.string(),
    createdAt: z.string().nullable(),
    lang: z.string().nullable(),
    text: z.string(),
    hashtags: z.array(z.string()),
    media: z.array(media),
    suggestions: z.array(z.object({ tag: z.string(), probability: z.number(), predicted: z.boolean() })),
    modelVersion: z.string().nullable(),
    labeledBy: z.number().int().describe("People who labeled the post before"),
  }).nullable().describe("null when the queue is empty"),
}).openapi("LabelNext");

export const AnswerResponse = z.object({
  annotator: z.string(),
  postId: z.string(),
  written: z.number().int().describe("Labels written (one per tag, true or false)"),
}).openapi("LabelAnswer");

export const AgreementResponse = z.object({
  needed: z.number().int().describe("Labeled posts training needs before it keeps a tag"),
  pairs: z.array(z.object({
    annotators: z.tuple([z.string(), z.string()]),
    posts: z.number().int(),
    tags: z.array(z.object({
      tag: z.string(),
      posts: z.number().int(),
      yesA: z.number().int(),
      yesB: z.number().int(),
      observed: z.number().nullable(),
      kappa: z.number().nullable().describe("null when undefined (both gave one answer throughout)"),
    })),
  })),
  perDay: z.array(z.object({
    annotator: z.string(),
    day: z.string(),
    posts: z.number().int(),
    tagged: z.number().int(),
  })),
  coverage: z.array(z.object({
    tag: z.string(),
    posts: z.number().int(),
    byPeople: z.number().int(),
    needed: z.number().int(),
    missing: z.number().int(),
  })),
}).openapi("LabelAgreement");
