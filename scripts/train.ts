/** deno task train — not built yet: issue 6 (training). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("train", "issue 6 (training)");
