/** The OpenAPI 3.1 document, generated from the routes' zod schemas, and a plain HTML page listing it. */
import { z } from "zod";
import type { Operation } from "./_http.ts";

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
}

function parameters(schema: z.ZodObject | undefined, where: "query" | "path"): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    return {
      name,
      in: where,
      required: where === "path" || (required.has(name) && rest.default === undefined),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const errorResponse = {
  description: "Error",
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};

export function openApiDocument(operations: Operation[], options: { version?: string } = {}): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const responses: Json = {
      "200": { description: "OK", content: { "application/json": {} } },
      "400": errorResponse,
    };
    if (op.auth !== "open") Object.assign(responses, { "401": errorResponse, "403": errorResponse });
    if (op.path.includes("{")) responses["404"] = errorResponse;
    if (op.method === "get" && op.auth !== "open") {
      responses["304"] = { description: "Not modified (If-None-Match)" };
    }
    paths[op.path] = {
      ...(paths[op.path] ?? {}),
      [op.method]: {
        summary: op.summary,
        operationId: `${op.method}${
          op.path.replace(/[{}]/g, "").replace(/(^|[/-])(\w)/g, (_, __, ch) => ch.toUpperCase())
        }`,
        parameters: [...parameters(op.pathParams, "path"), ...parameters(op.query, "query")],
        ...(op.body
          ? {
            requestBody: {
              required: false,
              content: { "application/json": { schema: jsonSchema(op.body) } },
            },
          }
          : {}),
        ...(op.auth === "open" ? { security: [] } : {}),
        "x-auth": op.auth,
        responses,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "posttagger trends API",
      version: options.version ?? "1",
      description:
        "Tag popularity from the latest prediction of each sampled post. Read routes take the read " +
        "token when one is configured; admin routes always need the admin token (Authorization: Bearer ...).",
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          properties: { error: { type: "string" }, parameter: { type: "string" } },
          required: ["error"],
        },
      },
    },
    security: [{ bearer: [] }],
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A self-contained HTML page listing every operation and its parameters. */
/** The docs page's style, served as a file (the CSP allows no inline style). */
export const DOCS_CSS =
  `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.4rem 0}h2{font-size:1.05rem}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}
small{color:#666;font-weight:normal}code{background:#f3f3f3;padding:0 .2rem}
`;

export function docsPage(doc: Json): string {
  const rows: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters as Json[]).map((p) =>
        `<li><code>${esc(String(p.name))}</code> <small>(${esc(String(p.in))}${
          p.required ? ", required" : ""
        }` +
        `${
          (p.schema as Json).default !== undefined
            ? `, default ${esc(JSON.stringify((p.schema as Json).default))}`
            : ""
        })</small>` +
        `${p.description ? ` — ${esc(String(p.description))}` : ""}</li>`
      ).join("");
      rows.push(
        `<section><h2><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code> ` +
          `<small>auth: ${esc(String(op["x-auth"]))}</small></h2><p>${esc(String(op.summary))}</p>` +
          (params ? `<ul>${params}</ul>` : "") + `</section>`,
      );
    }
  }
  const info = doc.info as Json;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(String(info.title))}</title>
<link rel="stylesheet" href="/api/docs.css"></head><body>
<h1>${esc(String(info.title))}</h1><p>${esc(String(info.description))}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a></p>${rows.join("\n")}</body></html>`;
}
