/** The Hono app: the REST API under /api/ and the dashboard at /. */
export * from "./app.ts";
