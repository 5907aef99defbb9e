/** Ingest speed: posts/s (with their media) from a JSONL file into a fresh store of the given engine. */
import { join } from "node:path";
import { createAnonymizer, type Db, FileBlobStore } from "@/store/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import type { Settings } from "@/config/mod.ts";
import { samplePath } from "@/ingest/mod.ts";
import { freshPglite, freshPostgres } from "../tests/support/db.ts";
import { benchConnectors } from "./_ingest_connectors.ts";

export interface IngestBench {
  posts: number;
  media: number;
  seconds: number;
  posts_per_s: number;
  media_per_s: number;
}

/** Ingests `jsonlPath` into `db` (fresh, migrated) with blobs under a temp folder; returns the figures. */
export async function benchIngest(db: Db, jsonlPath: string): Promise<IngestBench> {
  const blobRoot = await Deno.makeTempDir({ prefix: "bench-blobs-" });
  try {
    const store = {
      db,
      blobs: new FileBlobStore(join(blobRoot, "blobs")),
      anon: createAnonymizer("b".repeat(40)),
      close: () => db.close(),
    };
    const t0 = performance.now();
    const s = await ingest(store, readJsonlPosts(jsonlPath), { source: "bench" });
    const seconds = (performance.now() - t0) / 1000;
    return {
      posts: s.stored,
      media: s.media,
      seconds: Math.round(seconds * 100) / 100,
      posts_per_s: Math.round(s.stored / seconds),
      media_per_s: Math.round(s.media / seconds),
    };
  } finally {
    await Deno.remove(blobRoot, { recursive: true }).catch(() => {});
  }
}

/** `deno task bench ingest`: the sample corpus into PGlite and PostgreSQL, and the connectors. */
export async function run(settings: Settings): Promise<Record<string, unknown>> {
  const jsonl = samplePath(settings.dataDir);
  try {
    await Deno.stat(jsonl);
  } catch {
    throw new Error(`the ingest benchmark reads the sample corpus "${jsonl}": run deno task sample first`);
  }
  const pglite = await freshPglite();
  const onPglite = await benchIngest(pglite, jsonl).finally(() => pglite.close());
  const pg = await freshPostgres();
  const onPostgres = pg
    ? await benchIngest(pg.db, jsonl).finally(() => pg.db.close())
    : "PostgreSQL not installed";
  return { corpus: jsonl, pglite: onPglite, postgres: onPostgres, connectors: await benchConnectors() };
}
