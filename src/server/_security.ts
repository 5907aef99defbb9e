/**
 * What the app does for every request before and after its route, against hostile callers:
 * - a Host allowlist (421 for any other host), so that a DNS-rebinding page cannot read a loopback API;
 * - security headers: a CSP that allows the page's own files only (no inline script or style, no
 *   framing), `nosniff`, no referrer;
 * - 5xx answers logged for operators through an injected logger (the body says only "internal error");
 * - a query cancelled by the database's statement_timeout answered 503;
 * - /api/runs without file paths or raw error text for callers who are not admins.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createHash, timingSafeEqual } from "node:crypto";

/** One 5xx answer, as the server's operator log gets it. */
export interface ServerEvent {
  time: string;
  method: string;
  path: string;
  status: number;
  /** The error's message (never sent to the caller). */
  error?: string;
  /** Milliseconds the request took. */
  ms: number;
}

export type ServerLogger = (event: ServerEvent) => void;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The hosts a server bound to `hostname:port` answers by default: the bound host, loopback names for loopback. */
export function defaultAllowedHosts(hostname: string, port: number): string[] {
  const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname.toLowerCase();
  const loopback = ["127.0.0.1", "localhost", "[::1]"];
  const wildcard = ["0.0.0.0", "[::]"];
  let names: string[];
  if (loopback.includes(host)) names = [host, ...loopback.filter((h) => h !== host)];
  else if (wildcard.includes(host)) names = [...loopback, ...interfaceNames(host === "[::]")];
  else names = [host];
  const out = names.map((n) => `${n}:${port}`);
  if (port === 80) out.push(...names);
  return [...new Set(out)];
}

/** This machine's addresses and name, for a server bound to every interface. */
function interfaceNames(ipv6: boolean): string[] {
  const names: string[] = [];
  try {
    for (const i of Deno.networkInterfaces()) {
      if (i.family === "IPv4") names.push(i.address);
      else if (ipv6 && !i.address.includes("%")) names.push(`[${i.address}]`);
    }
    names.push(Deno.hostname().toLowerCase());
  } catch { /* no permission to list them: loopback names only */ }
  return names;
}

/** Splits `API_ALLOWED_HOSTS` ("host", "host:port", comma-separated). */
export function parseAllowedHosts(list: string): string[] {
  return list.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/**
 * Answers 421 to a request whose Host is not allowed. An entry with a port matches that port only; one
 * without matches any port.
 */
export function hostAllowlist(allowed: string[]): MiddlewareHandler {
  const exact = new Set(allowed.filter((h) => /:\d+$/.test(h)).map((h) => h.toLowerCase()));
  const anyPort = new Set(allowed.filter((h) => !/:\d+$/.test(h)).map((h) => h.toLowerCase()));
  return async (c, next) => {
    const url = new URL(c.req.url);
    const given = (c.req.header("host") ?? url.host).trim().toLowerCase();
    const name = given.replace(/:\d+$/, "");
    const port = /:(\d+)$/.exec(given)?.[1] ?? (url.protocol === "https:" ? "443" : "80");
    if (!anyPort.has(name) && !exact.has(`${name}:${port}`)) {
      return c.json({
        error: `Cannot serve host "${given.slice(0, 100)}": it is not in API_ALLOWED_HOSTS (${
          [...exact, ...anyPort].join(", ")
        })`,
      }, 421);
    }
    await next();
  };
}

/** Security headers on every answer. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("x-frame-options", "DENY");
    c.res.headers.set("referrer-policy", "no-referrer");
    c.res.headers.set("cross-origin-opener-policy", "same-origin");
  };
}

/** Reports each 5xx answer (with the error behind it, if any) to `logger`. */
export function serverErrorLog(logger: ServerLogger | undefined): MiddlewareHandler {
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    if (c.res.status < 500 || !logger) return;
    const error = c.error ? `${c.error.name}: ${c.error.message}` : undefined;
    logger({
      time: new Date().toISOString(),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      error,
      ms: Math.round(performance.now() - t0),
    });
  };
}

/** True for PostgreSQL's "canceling statement due to statement timeout" (SQLSTATE 57014). */
export function isQueryTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "57014";
}

const digest = (s: string) => createHash("sha256").update(s).digest();

function isAdmin(c: Context, adminToken: string | undefined): boolean {
  const given = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return !!adminToken && !!given && timingSafeEqual(digest(given), digest(adminToken));
}

/**
 * /api/runs as readers see it: params and summary keep their numbers and flags (counts, timings), not
 * their text (sources name files; errors quote paths and database messages). The admin token sees all.
 */
export function redactRunsForReaders(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status !== 200 || isAdmin(c, adminToken)) return;
    const body = await c.res.clone().json() as { runs?: Record<string, unknown>[] };
    if (!Array.isArray(body.runs)) return;
    const runs = body.runs.map((r) => ({
      ...r,
      params: numbersOnly(r.params),
      summary: numbersOnly(r.summary),
    }));
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(JSON.stringify({ ...body, runs }), { status: 200, headers });
  };
}

function numbersOnly(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}
