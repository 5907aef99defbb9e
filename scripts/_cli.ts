/** What every script shares: known errors become one clear line and an exit code, not a stack trace. */
import { DatabaseUnavailableError, SchemaTooNewError } from "@/store/mod.ts";

/** Exit codes a scheduler can act on. */
export const EXIT = { ok: 0, failed: 1, usage: 64, unavailable: 69, busy: 75 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs a script's main and exits with its code; expected failures print their message only. */
export async function run(main: (args: string[]) => Promise<number | void>): Promise<never> {
  try {
    Deno.exit((await main(Deno.args)) ?? EXIT.ok);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}`);
      Deno.exit(EXIT.usage);
    }
    if (err instanceof DatabaseUnavailableError || err instanceof SchemaTooNewError) {
      console.error(`error: ${err.message}`);
      Deno.exit(EXIT.unavailable);
    }
    console.error(err instanceof Error ? (Deno.env.get("DEBUG") ? err.stack : `error: ${err.message}`) : err);
    Deno.exit(EXIT.failed);
  }
}
