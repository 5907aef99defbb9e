/** deno task bench — not built yet: issues 3-8 (benchmarks). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("bench", "issues 3-8 (benchmarks)");
