/**
 * The scheduled "is retraining due?" check: how far recent posts have moved from what the current model
 * was trained on — PSI of each metadata feature, PSI of the tag mix (training labels vs recent
 * predictions), and the model's age.
 */
import type { Settings } from "@/config/mod.ts";
import { loadFitted, metadataRow } from "@/encode/mod.ts";
import { windowStart } from "@/ingest/mod.ts";
import { applyMetadataTransform, featureNames } from "@/preprocess/mod.ts";
import { type DatasetPost, readDataset, type Store } from "@/store/mod.ts";
import { type DriftReport, driftVerdict, psi, psiOfShares } from "./drift.ts";
import { readManifests } from "./manifest.ts";
import { ModelRegistry } from "./registry.ts";

export interface DriftCheckOptions {
  /** Recent posts: the last this many days. @default 30 */
  recentDays?: number;
  /** PSI above this says retrain. @default 0.2 */
  threshold?: number;
  /** A model older than this says retrain. @default 31 */
  maxAgeDays?: number;
  now?: Date;
}

const row = (p: DatasetPost) => metadataRow(p, p.doc.lang ?? p.doc.lang_detected ?? "und");

export async function checkDrift(
  store: Store,
  settings: Settings,
  options: DriftCheckOptions = {},
): Promise<DriftReport & { recentPosts: number }> {
  const now = options.now ?? new Date();
  const registry = new ModelRegistry(settings.modelsDir);
  // A fresh install has no model: training is due, so the README's weekly cron line trains the first one.
  if (!(await registry.current())) {
    return { psi: {}, modelAgeDays: Infinity, due: true, reasons: ["no model promoted yet"], recentPosts: 0 };
  }
  const { version, path } = await registry.resolve("current");
  const manifest = (await readManifests(settings.runsDir)).find((m) => m.model.version === version);
  if (!manifest) {
    throw new Deno.errors.NotFound(
      `Cannot check drift: no experiment manifest for the current model "${version}"`,
    );
  }
  const fitted = await loadFitted(path);
  const trainedAt = new Date(manifest.created_at);
  const reference = await readDataset(store.db, {
    since: windowStart(String(manifest.config.window ?? "24mo"), trainedAt),
    until: trainedAt,
  });
  const recent = await readDataset(store.db, {
    since: new Date(now.getTime() - (options.recentDays ?? 30) * 86_400_000),
  });
  const scores: Record<string, number> = {};
  if (recent.length > 0 && reference.length > 0) {
    const names = featureNames(fitted.metadata);
    const ref = reference.map((p) => applyMetadataTransform(fitted.metadata, row(p)));
    const cur = recent.map((p) => applyMetadataTransform(fitted.metadata, row(p)));
    names.forEach((name, k) => {
      if (name.includes("=")) return; // one-hot columns: covered by their field's other columns and the tag mix
      scores[`metadata:${name}`] = psi(ref.map((v) => v[k]), cur.map((v) => v[k]));
    });
    const preds = await store.db.query<{ name: string; n: number }>(
      `select t.name, count(*)::int as n from predictions pr join tags t on t.id = pr.tag_id join posts p on p.id = pr.post_id
       where pr.predicted and p.created_at >= $1 group by t.name`,
      [new Date(now.getTime() - (options.recentDays ?? 30) * 86_400_000).toISOString()],
    );
    if (preds.length > 0) {
      const labelCounts = new Map<string, number>();
      for (const p of reference) for (const t of p.tags) labelCounts.set(t, (labelCounts.get(t) ?? 0) + 1);
      const predCounts = new Map(preds.map((r) => [r.name, r.n]));
      const share = (m: Map<string, number>) => {
        const total = manifest.tags.reduce((s, t) => s + (m.get(t) ?? 0), 0) || 1;
        return manifest.tags.map((t) => (m.get(t) ?? 0) / total);
      };
      scores["tags:mix"] = psiOfShares(share(labelCounts), share(predCounts));
    }
  }
  const ageDays = (now.getTime() - trainedAt.getTime()) / 86_400_000;
  return { ...driftVerdict(scores, ageDays, options), recentPosts: recent.length };
}
