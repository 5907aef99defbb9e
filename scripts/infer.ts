/** deno task infer — not built yet: issue 7 (inference). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("infer", "issue 7 (inference)");
