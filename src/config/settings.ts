/**
 * Typed settings resolved from the environment, in one place. Every default has its reason beside it.
 * `src/` reads the environment only here; scripts pass the result down.
 */
import { join, resolve } from "node:path";

export interface Settings {
  /** Root of every derived file: database, blobs, features, bench figures. */
  dataDir: string;
  /** A real PostgreSQL server; when absent the embedded PGlite under `dataDir/pglite` is used. */
  databaseUrl?: string;
  /** Where the anonymization secret lives when `ANON_SECRET` is not set (outside git). */
  secretPath: string;
  /** The secret itself when given by the environment (hex or any string of >= 32 chars). */
  anonSecret?: string;
  /** Model registry root (`models/<version>/`, `models/current`). */
  modelsDir: string;
  /** Experiment runs (`experiments/runs/<run-id>/manifest.json`). */
  runsDir: string;
}

/** Reads settings from an environment map (defaults to the process environment). */
export function loadSettings(env: Record<string, string | undefined> = Deno.env.toObject()): Settings {
  const root = resolve(env.POSTTAGGER_ROOT ?? ".");
  const dataDir = resolve(root, env.DATA_DIR ?? "data");
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new TypeError(
      `Cannot use DATABASE_URL "${
        redactUrl(databaseUrl)
      }": it must start with postgres:// or postgresql:// ` +
        `(unset it to use the embedded PGlite database)`,
    );
  }
  return {
    dataDir,
    databaseUrl,
    secretPath: resolve(root, env.ANON_SECRET_FILE ?? join(".secrets", "anon.key")),
    anonSecret: env.ANON_SECRET || undefined,
    modelsDir: resolve(root, env.MODELS_DIR ?? "models"),
    runsDir: resolve(root, env.RUNS_DIR ?? join("experiments", "runs")),
  };
}

/** Hides the password of a connection URL so it can appear in messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, "//$1:***@");
}
