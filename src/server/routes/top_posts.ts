/** GET /api/tags/:tag/top-posts: the posts most confidently carrying a tag (anonymized ids). */
import { Hono } from "hono";
import { z } from "zod";
import { topPosts } from "@/trends/mod.ts";
import {
  cachedJson,
  filterShape,
  int,
  type Operation,
  orderedRange,
  type RouteDeps,
  tagName,
  valid,
} from "../_http.ts";

const query = z.strictObject({
  ...filterShape,
  limit: int(1, 100).default(10),
  snippet: int(0, 1000).default(160).describe("Characters of text to return"),
});
const pathParams = z.object({ tag: tagName });

export const topPostsOps: Operation[] = [
  {
    method: "get",
    path: "/api/tags/{tag}/top-posts",
    summary: "Top posts of a tag by probability",
    query,
    pathParams,
    auth: "read",
  },
];

/** Mounted at /api/tags next to the tag list. */
export function topPostsRoutes(deps: RouteDeps): Hono {
  return new Hono().get(
    "/:tag/top-posts",
    cachedJson(deps),
    valid("param", pathParams),
    valid("query", query),
    async (c) => {
      const { tag } = c.req.valid("param");
      const { snippet, ...q } = orderedRange(c.req.valid("query"));
      return c.json({ tag, posts: await topPosts(deps.db, tag, { ...q, snippetLength: snippet }) });
    },
  );
}
