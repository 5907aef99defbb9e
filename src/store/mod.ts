/** The store: Postgres schema and queries (PGlite or PostgreSQL), the blob store, anonymized ids. */
import { blobsDirOf, type Settings } from "@/config/mod.ts";
import { type Anonymizer, createAnonymizer, loadOrCreateSecret } from "./anon_id.ts";
import { type BlobStore, FileBlobStore } from "./blobs.ts";
import type { Db } from "./db.ts";
import { openDb, type OpenOptions } from "./open.ts";

export * from "./db.ts";
export * from "./anon_id.ts";
export * from "./blobs.ts";
export * from "./migrate.ts";
export * from "./open.ts";
export * from "./posts.ts";
export * from "./quarantine.ts";
export * from "./runs.ts";
export * from "./storable.ts";
export * from "./tags.ts";
export * from "./wide.ts";
export * from "./dataset.ts";
export { MIGRATIONS, TREND_SERIES_BUILD, TREND_TABLES_BACKFILL } from "./migrations.ts";
// The engines themselves, for tests and tools that need a database of their own.
export { openPglite } from "./_pglite.ts";
export { openPostgres } from "./_postgres.ts";

/** Everything a job needs to read and write: database, blobs, the anonymizer. */
export interface Store {
  db: Db;
  blobs: BlobStore;
  anon: Anonymizer;
  close(): Promise<void>;
}

export async function openStore(settings: Settings, options: OpenOptions = {}): Promise<Store> {
  const secret = await loadOrCreateSecret(settings);
  const anon = createAnonymizer(secret);
  const db = await openDb(settings, options);
  return { db, blobs: new FileBlobStore(blobsDirOf(settings)), anon, close: () => db.close() };
}
