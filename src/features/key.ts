/**
 * Cache keys: a feature row is reused only when everything that made it is the same — the content (post
 * content hash, or a media blob's sha256, so one image shared by many posts is encoded once), the
 * preprocessing config, the encoder id and version, and the feature code version. Change any of them
 * and the key changes, so only the affected rows are recomputed.
 */
import { createHash } from "node:crypto";

/** Bump when preprocessing code changes what it produces for the same input and config. */
export const FEATURE_CODE_VERSION = "1";

export interface KeyParts {
  /** Content identity: a blob sha256, a text hash, a post's content hash. */
  content: string;
  /** `id@version` of the encoder. */
  encoder: string;
  /** The preprocessing config (any JSON); keys are sorted, so order does not matter. */
  config: unknown;
  /** @default FEATURE_CODE_VERSION */
  code?: string;
}

/** JSON with sorted object keys: equal configs give equal strings. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort((
      [a],
      [b],
    ) => a < b ? -1 : a > b ? 1 : 0);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function configHash(config: unknown): string {
  return createHash("sha256").update(stableJson(config)).digest("hex").slice(0, 16);
}

export function featureKey(parts: KeyParts): string {
  return createHash("sha256")
    .update(
      `${parts.content}\u0000${parts.encoder}\u0000${stableJson(parts.config)}\u0000${
        parts.code ?? FEATURE_CODE_VERSION
      }`,
    )
    .digest("hex");
}
