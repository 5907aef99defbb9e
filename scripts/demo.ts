/** deno task demo — not built yet: issue 9 (the end-to-end demo). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("demo", "issue 9 (the end-to-end demo)");
