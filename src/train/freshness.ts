/** Whether retraining would change anything: the current model's manifest against today's labeled data. */
import type { Settings } from "@/config/mod.ts";
import { type Db, readDataset } from "@/store/mod.ts";
import { windowStart } from "@/ingest/mod.ts";
import { readManifests, snapshotHash } from "./manifest.ts";
import { ModelRegistry } from "./registry.ts";

/** The current model's version when it was trained on exactly the labeled posts of `source` now stored. */
export async function latestModelTrainedOn(
  db: Db,
  settings: Settings,
  source: string,
): Promise<string | undefined> {
  const current = await new ModelRegistry(settings.modelsDir).current();
  if (!current) return undefined;
  const manifest = (await readManifests(settings.runsDir)).find((m) => m.model.version === current);
  if (!manifest || manifest.source !== source) return undefined;
  const since = windowStart(String(manifest.config.window ?? "24mo")); // the same moving window training read
  const posts = await readDataset(db, { labeled: true, source, since });
  return snapshotHash(posts.map((p) => ({ id: p.id, tags: p.tags }))) === manifest.data.snapshot_hash
    ? current
    : undefined;
}
