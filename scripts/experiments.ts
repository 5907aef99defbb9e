/** deno task experiments — not built yet: issue 6 (experiment manifests). */
import { notBuilt } from "./_not_built.ts";

if (import.meta.main) notBuilt("experiments", "issue 6 (experiment manifests)");
