/**
 * Bring posts into the store.
 *
 *   deno task ingest --source sample
 *   deno task ingest --source jsonl:data/raw/export.jsonl [--since 24mo]
 *   deno task ingest --source csv:data/raw/posts.csv
 *   deno task ingest --source jsonl:export/posts.jsonl --media-root /mnt/media   media outside the file's folder
 *   deno task ingest --source goemotions[:DIR]
 *   deno task ingest --source labels:data/raw/labels.csv       labels alone
 *   deno task ingest --source mastodon:mastodon.social#photography [--since 24mo]
 *   deno task ingest --source bluesky:@someone.bsky.social
 *   deno task ingest --source "bluesky:street photography"      search: needs BSKY_HANDLE + BSKY_APP_PASSWORD
 *
 * Connectors download media into the blob store, obey rate limits, and resume from their saved cursor
 * (data/interim/cursors.json) after a crash; a later run fetches only newer posts. MASTODON_TOKEN is optional
 * and goes to the instance only. Media URLs on loopback, private or link-local addresses are refused unless
 * CONNECTOR_ALLOWED_HOSTS (comma-separated "host" or "host:port") names them.
 *
 * Media paths of a JSONL/CSV import must stay inside the file's folder (symlinks resolved) or inside
 * --media-root; others are refused and recorded as media errors, as are files over --max-media-mb.
 *
 * Prints fetched / stored / duplicates / quarantined; a rerun stores nothing twice.
 */
import { loadSettings } from "@/config/mod.ts";
import {
  DEFAULT_WINDOW,
  fileCursorStore,
  importLabels,
  ingest,
  type IngestSummary,
  openConnector,
  openFileSource,
  windowStart,
} from "@/ingest/mod.ts";
import { join } from "node:path";
import { openStore } from "@/store/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";
import { progress } from "./_progress.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    source: {
      type: "string",
      help: "sample, jsonl:PATH, csv:PATH, goemotions, labels:PATH, mastodon:INSTANCE#TAG, bluesky:QUERY",
    },
    since: {
      type: "string",
      help: "keep posts newer than this (24mo, 30d); file imports keep everything unless asked",
    },
    "batch-size": { type: "string", default: "250", help: "posts per transaction" },
    "media-root": {
      type: "string",
      help: "folder media paths may lie in (default: the import file's folder)",
    },
    "max-media-mb": { type: "string", default: "512", help: "largest media file taken from an import" },
  });
  if (!values.source) {
    throw new UsageError("give --source (sample, jsonl:PATH, csv:PATH, goemotions, labels:PATH, ...)");
  }
  const settings = loadSettings();
  const store = await openStore(settings);
  try {
    if (values.source.startsWith("labels:")) {
      const s = await importLabels(store, values.source.slice("labels:".length));
      console.log(
        `labels: read ${s.read}, stored ${s.stored}, duplicates ${s.duplicates}, quarantined ${s.quarantined}`,
      );
      return 0;
    }
    const since = values.since ? windowStart(values.since) : undefined;
    const handle = Deno.env.get("BSKY_HANDLE"), appPassword = Deno.env.get("BSKY_APP_PASSWORD");
    const source = openConnector(values.source, {
      since: windowStart(values.since ?? DEFAULT_WINDOW),
      cursorStore: fileCursorStore(join(settings.dataDir, "interim", "cursors.json")),
      mastodonToken: Deno.env.get("MASTODON_TOKEN") || undefined,
      blueskyLogin: handle && appPassword ? { identifier: handle, appPassword } : undefined,
      // Hosts on a private network media may come from (a self-hosted CDN); others are refused.
      allowPrivateHosts: (Deno.env.get("CONNECTOR_ALLOWED_HOSTS") ?? "").split(",").map((h) => h.trim())
        .filter(Boolean),
    }) ?? openFileSource(values.source, { dataDir: settings.dataDir, mediaRoot: values["media-root"] });
    const maxMediaMb = Number(values["max-media-mb"]);
    if (!(maxMediaMb > 0)) {
      throw new UsageError(`--max-media-mb "${values["max-media-mb"]}" must be a positive number`);
    }
    const bar = progress("ingest", 0);
    const t0 = performance.now();
    const summary = await ingest(store, source.items, {
      source: source.name,
      since,
      batchSize: Number(values["batch-size"]),
      maxMediaBytes: Math.round(maxMediaMb * 1024 * 1024),
      params: { since: values.since ?? null },
      onProgress: (s) => {
        bar.setTotal(s.read);
        bar.update(s.read, { stored: s.stored, dup: s.duplicates, quarantined: s.quarantined });
      },
    });
    bar.stop();
    printSummary(summary, (performance.now() - t0) / 1000);
    return 0;
  } finally {
    await store.close();
  }
}

function printSummary(s: IngestSummary, seconds: number): void {
  console.log(
    `ingest ${s.runId}: read ${s.read} = stored ${s.stored} + duplicates ${s.duplicates} + quarantined ${s.quarantined}` +
      ` + outside window ${s.outsideWindow}; media ${s.media} (${s.mediaFailed} unreadable), labels ${s.labels}` +
      ` in ${seconds.toFixed(1)} s (${(s.read / seconds).toFixed(0)} posts/s)`,
  );
  for (const [reason, n] of Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`  set aside ${String(n).padStart(6)}  ${reason}`);
  }
  if (s.quarantined + s.mediaFailed > 0) {
    console.log("  details: select * from quarantine where stage = 'ingest'");
  }
}

if (import.meta.main) await run(main);
