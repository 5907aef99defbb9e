/** deno task notebooks — not built yet: issue 9 (notebooks). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("notebooks", "issue 9 (notebooks)");
