/**
 * Compare experiment runs from their manifests (experiments/runs/<run-id>/manifest.json).
 *
 *   deno task experiments                 one line per run, oldest first; * marks a promoted model
 *   deno task experiments --source goemotions
 *   deno task experiments --json          the rows as JSON
 */
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/mod.ts";
import { comparisonRows, readManifests } from "@/train/mod.ts";
import { run } from "./_cli.ts";
import { printTable } from "./_table.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { source: { type: "string" }, json: { type: "boolean" } },
  });
  const settings = loadSettings();
  const manifests = (await readManifests(settings.runsDir)).filter((m) =>
    !values.source || m.source === values.source
  );
  if (manifests.length === 0) {
    console.log(`no experiment runs in ${settings.runsDir} yet: run deno task train`);
    return 0;
  }
  const rows = comparisonRows(manifests);
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else printTable(rows);
  return 0;
}

if (import.meta.main) await run(main);
