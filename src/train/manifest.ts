/**
 * Experiment manifests: everything needed to compare two runs without rerunning them —
 * `experiments/runs/<run-id>/manifest.json` with the resolved config, the data snapshot hash, the code
 * version, the seed, the tag vocabulary, encoders, backend, metrics, timings and where the model is.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { EncoderRecord } from "@/encode/mod.ts";
import type { CodeVersion } from "./code_version.ts";
import type { Folds } from "./folds.ts";

/** Training curves of the network fit that had validation data (fold 0, or the dev fit). */
export interface Curves {
  epoch: number[];
  train_loss: number[];
  val_loss: number[];
  val_weighted_f05: number[];
}

/** What was chosen and how, for the manifest. */
export interface ProtocolRecord {
  method: "cv" | "dev";
  folds: number | null;
  fold_method: Folds["method"] | null;
  near_duplicates: number;
  seed: number;
  tuning_posts: number;
  linear: { C_grid: number[]; C: number; solver: string; tuned_f05_by_C: Record<string, number> } | null;
  /** `screened_out`: the network added under SCREEN_MARGIN on fold 0; that fit is kept, weight 0. */
  network: {
    best_epochs: number[];
    refit_epochs: number | null;
    screened_out: boolean;
    /** Fold 0's tuned weighted F0.5 of the linear model alone and of its best blend with the network. */
    fold0: { linear: number; blend: number } | null;
  };
  blend: { network: number; tuned_f05_by_weight: Record<string, number> };
  rules: Record<string, number>;
  /** The decision rules' options (./decision_rules.ts): the F-beta curve's averaging and count allowance. */
  decisions?: { smooth: number; count_allowance: number };
  /** What each tag's calibration was matched to (./calibration.ts); absent in runs from before it. */
  calibration_base?: "labeled" | "tuning";
  /** Weighted F0.5 of the final decisions on the tuning posts: what chose them, not a quality figure. */
  tuning_weighted_f05: number;
}

export interface TagScore {
  tag: string;
  precision: number;
  recall: number;
  f05: number;
  f1: number;
  support: number;
  threshold: number;
  /** The tag's decision rule (threshold, top-k, every-post); absent for models from before. */
  rule?: string;
}

export interface Metrics {
  weighted_f05: number;
  macro_f05: number;
  micro_f05: number;
  weighted_f1: number;
  macro_f1: number;
  micro_f1: number;
  per_tag: TagScore[];
  /** Weighted F0.5 per language (posts with a detected language). */
  per_language: Record<string, { weighted_f05: number; n: number }>;
  /** Weighted F0.5 with each modality removed at test time, and the drop it causes. */
  ablation: Record<string, { weighted_f05: number; drop: number }>;
  /** Weighted F0.5 of models trained on one modality only, when the run measured them. */
  single_modality?: Record<string, number>;
  /** Tag-share error on the test split (mean |estimated - true share|) of each estimate (see shares.ts). */
  share_error?: { counts: number; probabilities: number; adjusted_counts: number };
}

export interface Manifest {
  run_id: string;
  created_at: string;
  source: string;
  config: Record<string, unknown>;
  data: {
    snapshot_hash: string;
    window: { from: string | null; to: string | null };
    split_method: string;
    counts: { train: number; dev: number; test: number; tags: number };
  };
  code: CodeVersion;
  seed: number;
  tags: string[];
  encoders: Record<string, string>;
  /**
   * Each pretrained encoder by modality: the name the feature config gives, id@version, width, the
   * provider it ran on, and its files' sha256 (added models). Absent in older manifests.
   */
  encoder_records?: Record<string, EncoderRecord>;
  backend: string;
  metrics: Metrics;
  thresholds: number[];
  timings_s: Record<string, number>;
  /** Seconds the whole run took. */
  duration_s?: number;
  model: { version: string; path: string; promoted: boolean; reason: string };
  /** How the tagger was tuned: folds, seeds, what was selected (runs from before have none). */
  protocol?: ProtocolRecord;
  /** Per tag: Platt calibration `sigmoid(a * logit(score) + b)` and the Brier score on the tuning posts. */
  calibration?: { tag: string; a: number; b: number; brier: number }[];
  /** Per tag: true- and false-positive rates of the decisions on the tuning posts (adjusted counts). */
  share_rates?: Record<string, { tpr: number; fpr: number }>;
  /** The network's training curves (fold 0 under cross-validation, else the dev fit). */
  curves?: Curves;
}

/** A hash of the exact training data: post ids and their labels, in a canonical order. */
export function snapshotHash(rows: { id: string; tags: string[] }[]): string {
  const h = createHash("sha256");
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    h.update(`${r.id}:${[...r.tags].sort().join(",")}\n`);
  }
  return h.digest("hex");
}

export async function writeManifest(runsDir: string, manifest: Manifest): Promise<string> {
  const dir = join(runsDir, manifest.run_id);
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "manifest.json");
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await Deno.rename(tmp, path);
  return path;
}

export async function readManifests(runsDir: string): Promise<Manifest[]> {
  const out: Manifest[] = [];
  try {
    for await (const e of Deno.readDir(runsDir)) {
      if (!e.isDirectory) continue;
      try {
        out.push(JSON.parse(await Deno.readTextFile(join(runsDir, e.name, "manifest.json"))));
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) {
          throw new SyntaxError(`Cannot read manifest of run "${e.name}": ${(err as Error).message}`);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** One comparison row per run, for `deno task experiments`. */
export function comparisonRows(manifests: Manifest[]): Record<string, string | number>[] {
  return manifests.map((m) => ({
    run: m.run_id,
    source: m.source,
    data: m.data.snapshot_hash.slice(0, 8),
    code: `${m.code.gitSha.slice(0, 7)}${m.code.dirty ? "+" : ""}`,
    seed: m.seed,
    tags: m.tags.length,
    train: m.data.counts.train,
    "wF0.5": round(m.metrics.weighted_f05),
    "macroF1": round(m.metrics.macro_f1),
    "microF1": round(m.metrics.micro_f1),
    protocol: m.protocol
      ? `${m.protocol.method}${m.protocol.folds ? `x${m.protocol.folds}` : ""} C${
        m.protocol.linear?.C ?? "-"
      } w${m.protocol.blend.network}`
      : "-",
    text: m.encoder_records?.text ? `n-grams + ${m.encoder_records.text.name}` : "n-grams",
    languages: Object.entries(m.metrics.per_language ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([l, v]) => `${l} ${v.weighted_f05.toFixed(3)}`).join(" ") || "-",
    brier: m.calibration
      ? round(m.calibration.reduce((s, c) => s + c.brier, 0) / Math.max(m.calibration.length, 1))
      : "-",
    backend: m.backend,
    "fit s": round(m.timings_s.fit ?? 0, 1),
    model: `${m.model.version}${m.model.promoted ? " *" : ""}`,
  }));
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
