/**
 * Routes described once: each route file declares its route with `createRoute` (parameters and response
 * schemas in zod) and registers it on an `OpenAPIHono`, so the OpenAPI document is generated from the very
 * definitions that validate the requests — a route cannot be served without being documented.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { validationBody } from "./_http.ts";

/** Who may call a route: "open" (no token), "read" (the read token when one is set), "admin", "label". */
export type Auth = "open" | "read" | "admin" | "label";

export const ErrorSchema = z.object({
  error: z.string().describe("What went wrong and what to do"),
  parameter: z.string().optional().describe("The parameter that failed validation"),
}).openapi("Error");

const errorBody = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** An OpenAPIHono whose failed validations answer 400 with `{ error, parameter }`. */
export function routeApp(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(validationBody(result.error, result.target), 400);
    },
  });
}

/** The 200 JSON response with its schema, and the error responses a route with this auth can give. */
export function responses<T extends z.ZodType>(
  schema: T,
  auth: Auth,
  options: { description?: string; notFound?: boolean; cached?: boolean } = {},
) {
  return {
    200: { description: options.description ?? "OK", content: { "application/json": { schema } } },
    ...(options.cached ? { 304: { description: "Not modified (If-None-Match matched the ETag)" } } : {}),
    400: errorBody("Invalid parameter"),
    ...(auth === "open" ? {} : {
      401: errorBody("No bearer token given"),
      403: errorBody("The token is not valid for this route"),
    }),
    ...(options.notFound ? { 404: errorBody("Not found") } : {}),
  };
}

/** Per-operation security: open routes need none; the rest take a bearer token. */
export function security(auth: Auth): { security: Record<string, string[]>[]; "x-auth": Auth } {
  return { security: auth === "open" ? [] : [{ bearer: [] }], "x-auth": auth };
}
