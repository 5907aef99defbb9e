/** GET /api/tags/{tag}/top-posts: the posts most confidently carrying a tag (anonymized ids). */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { topPosts } from "@/trends/mod.ts";
import { cachedJson, filterShape, int, orderedRange, type RouteDeps, tagName } from "../_http.ts";
import { responses, routeApp, security } from "../_openapi.ts";
import { TopPostsResponse } from "../schemas.ts";

const query = z.strictObject({
  ...filterShape,
  limit: int(1, 100).default(10),
  snippet: int(0, 1000).default(160).describe("Characters of text to return"),
});
const params = z.object({ tag: tagName.describe("Tag name") });

/** Mounted at /api/tags next to the tag list. */
export function topPostsRoutes(deps: RouteDeps) {
  const route = createRoute({
    method: "get",
    path: "/{tag}/top-posts",
    summary: "Top posts of a tag by probability",
    request: { params, query },
    middleware: cachedJson(deps),
    responses: responses(TopPostsResponse, "read", { cached: true, notFound: true }),
    ...security("read"),
  });
  return routeApp().openapi(route, async (c) => {
    const { tag } = c.req.valid("param");
    const { snippet, ...q } = orderedRange(c.req.valid("query"));
    return c.json({ tag, posts: await topPosts(deps.db, tag, { ...q, snippetLength: snippet }) }, 200);
  });
}
