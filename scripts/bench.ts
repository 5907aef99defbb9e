/**
 * Benchmarks. Each writes its figures to data/bench/<name>.json and prints them.
 *
 *   deno task bench ingest        posts/s with media into PGlite and PostgreSQL (sample corpus), connectors
 *   deno task bench all           every benchmark that is built
 *
 * Run them on a quiet machine: they measure this machine, not a test.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadSettings } from "@/config/settings.ts";
import { benchIngest } from "@/ingest/bench_ingest.ts";
import { samplePath } from "@/ingest/sources.ts";
import { benchConnectors } from "@/ingest/connector_bench.ts";
import { freshPglite, freshPostgres } from "../tests/support/db.ts";
import { run, UsageError } from "./_cli.ts";

type Figures = Record<string, unknown>;

const BENCHES: Record<string, (dataDir: string) => Promise<Figures>> = {
  async ingest(dataDir) {
    const jsonl = samplePath(dataDir);
    try {
      await Deno.stat(jsonl);
    } catch {
      throw new UsageError(
        `the ingest benchmark reads the sample corpus "${jsonl}": run deno task sample first`,
      );
    }
    const pglite = await freshPglite();
    const onPglite = await benchIngest(pglite, jsonl).finally(() => pglite.close());
    const pg = await freshPostgres();
    const onPostgres = pg
      ? await benchIngest(pg.db, jsonl).finally(() => pg.db.close())
      : "PostgreSQL not installed";
    return { corpus: jsonl, pglite: onPglite, postgres: onPostgres, connectors: await benchConnectors() };
  },
};

export async function main(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const names = positionals.length === 0 || positionals.includes("all") ? Object.keys(BENCHES) : positionals;
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown benchmark(s) ${unknown.join(", ")}; built: ${Object.keys(BENCHES).join(", ")}`,
    );
  }
  const settings = loadSettings();
  const outDir = join(settings.dataDir, "bench");
  await Deno.mkdir(outDir, { recursive: true });
  for (const name of names) {
    console.log(`bench ${name} ...`);
    const figures = await BENCHES[name](settings.dataDir);
    const record = {
      name,
      at: new Date().toISOString(),
      machine: {
        cpus: navigator.hardwareConcurrency,
        memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
        deno: Deno.version.deno,
      },
      figures,
    };
    const path = join(outDir, `${name}.json`);
    await Deno.writeTextFile(path, JSON.stringify(record, null, 2) + "\n");
    console.log(JSON.stringify(figures, null, 2));
    console.log(`wrote ${path}`);
  }
  return 0;
}

if (import.meta.main) await run(main);
