/** deno task preprocess — not built yet: issue 4 (preprocessing + Arrow feature cache). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("preprocess", "issue 4 (preprocessing + Arrow feature cache)");
