/**
 * Source specs, as `deno task ingest --source` takes them:
 *   sample                the generated sample corpus (data/raw/sample/posts.jsonl)
 *   jsonl:PATH  csv:PATH  file importers
 *   goemotions[:DIR]      the GoEmotions data set (default ../shared/datasets/goemotions)
 *   labels:PATH           labels alone (JSONL or CSV), see labels_file.ts
 */
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { readCsvPosts } from "./csv.ts";
import { readGoEmotions } from "./goemotions.ts";
import { readJsonlPosts } from "./jsonl.ts";
import type { SourceItem } from "./source_item.ts";

export interface OpenedSource {
  /** Recorded on posts and quarantine entries. */
  name: string;
  items: AsyncIterable<SourceItem>;
}

export interface SourceOptions {
  dataDir: string;
  /** Where the GoEmotions files are. @default "../shared/datasets/goemotions" */
  goEmotionsDir?: string;
  /** The folder media paths of JSONL/CSV imports must stay inside. @default the import file's folder */
  mediaRoot?: string;
}

export const DEFAULT_GOEMOTIONS_DIR = "../shared/datasets/goemotions";

export function samplePath(dataDir: string): string {
  return join(dataDir, "raw", "sample", "posts.jsonl");
}

/** Opens a file-based source; platform connectors are opened by `openConnector`. */
export function openFileSource(spec: string, options: SourceOptions): OpenedSource {
  const [kind, ...rest] = spec.split(":");
  const arg = rest.join(":");
  const mustExist = (path: string, hint: string) => {
    if (!existsSync(path)) {
      throw new Deno.errors.NotFound(`Cannot ingest "${spec}": "${path}" does not exist. ${hint}`);
    }
    return path;
  };
  const media = { mediaRoot: options.mediaRoot };
  switch (kind) {
    case "sample": {
      const path = mustExist(samplePath(options.dataDir), "Generate it first: deno task sample");
      return { name: "sample", items: readJsonlPosts(path, { platform: "sample" }) };
    }
    case "jsonl":
      return {
        name: `jsonl:${arg}`,
        items: readJsonlPosts(mustExist(arg, "Give a JSONL file: jsonl:PATH"), media),
      };
    case "csv":
      return { name: `csv:${arg}`, items: readCsvPosts(mustExist(arg, "Give a CSV file: csv:PATH"), media) };
    case "goemotions": {
      const dir = resolve(arg || options.goEmotionsDir || DEFAULT_GOEMOTIONS_DIR);
      mustExist(
        join(dir, "labels.txt"),
        "Point goemotions:DIR at the folder with train.tsv, dev.tsv, test.tsv, labels.txt",
      );
      return { name: "goemotions", items: readGoEmotions(dir) };
    }
    default:
      throw new RangeError(
        `Cannot ingest "${spec}": unknown source; use sample, jsonl:PATH, csv:PATH, goemotions[:DIR], ` +
          `labels:PATH, mastodon:INSTANCE#TAG or bluesky:QUERY`,
      );
  }
}
