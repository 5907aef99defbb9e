/** deno task sample — not built yet: issue 3 (sample corpus). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("sample", "issue 3 (sample corpus)");
