/** deno task serve — not built yet: issue 8 (API + dashboard). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("serve", "issue 8 (API + dashboard)");
