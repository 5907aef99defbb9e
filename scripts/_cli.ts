/**
 * What every script shares: `--help` prints the script's usage (its doc block) and options; unknown
 * options say so and point to --help; known errors become one clear line and an exit code, not a stack trace.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Exit codes a scheduler can act on. */
export const EXIT = { ok: 0, failed: 1, usage: 64, unavailable: 69, busy: 75 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}

/** Thrown by `parseCli` on --help: `run` prints the text and exits 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/** A command-line option as `node:util` parseArgs takes it, with the line --help shows. */
export interface CliOption {
  type: "string" | "boolean";
  default?: string | boolean;
  short?: string;
  multiple?: boolean;
  /** What the option does, for --help. */
  help: string;
}

/** The leading doc block of a script file, without the comment markers. */
export function usageOf(scriptUrl: string): string {
  const text = readFileSync(fileURLToPath(scriptUrl), "utf8");
  const block = text.match(/^\s*\/\*\*([\s\S]*?)\*\//)?.[1] ?? "";
  return block.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n").trim();
}

/** The --help text: the script's doc block, then each option with its default. */
export function helpText(scriptUrl: string, options: Record<string, CliOption>): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? " VALUE" : ""}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : "";
    return `  ${flag.padEnd(28)} ${o.help}${def}`;
  });
  rows.push(`  ${"-h, --help".padEnd(28)} show this help`);
  return `${usageOf(scriptUrl)}\n\nOptions:\n${rows.join("\n")}`;
}

/**
 * Strict `parseArgs` with --help: a script passes its own `import.meta.url` (for its doc block) and its
 * options, each with a help line. Unknown options and missing values are usage errors.
 */
export function parseCli<const T extends Record<string, CliOption>>(
  args: string[],
  scriptUrl: string,
  options: T,
  config: { allowPositionals?: boolean } = {},
) {
  if (args.includes("--help") || args.includes("-h")) throw new HelpRequested(helpText(scriptUrl, options));
  try {
    const parsed = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: config.allowPositionals ?? false,
    });
    return parsed as typeof parsed & { positionals: string[] };
  } catch (err) {
    if (String((err as { code?: string }).code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(`${(err as Error).message} (see --help)`);
    }
    throw err;
  }
}

/** Runs a script's main and exits with its code; expected failures print their message only. */
export async function run(main: (args: string[]) => Promise<number | void>): Promise<never> {
  try {
    Deno.exit((await main(Deno.args)) ?? EXIT.ok);
  } catch (err) {
    if (err instanceof HelpRequested) {
      console.log(err.message);
      Deno.exit(EXIT.ok);
    }
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      Deno.exit(EXIT.usage);
    }
    // By name, not instanceof: importing the store here would load PGlite and postgres into every script
    // (the GPU machine's benchmark gets only the packages it uses).
    if (
      err instanceof Error && (err.name === "DatabaseUnavailableError" || err.name === "SchemaTooNewError")
    ) {
      console.error(`error: ${err.message}`);
      Deno.exit(EXIT.unavailable);
    }
    console.error(err instanceof Error ? (Deno.env.get("DEBUG") ? err.stack : `error: ${err.message}`) : err);
    Deno.exit(EXIT.failed);
  }
}
