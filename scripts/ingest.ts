/** deno task ingest — not built yet: issue 3 (ingest). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("ingest", "issue 3 (ingest)");
