/**
 * `deno task bench quality`: the product's tags against the classic tool on the shared labeled sets, in
 * one run, scored by one scikit-learn scorer (bench/quality_score.py) from each tool's test-prediction
 * file. Sets: GoEmotions full; five seeded draws of 720 train + 80 dev (whole test split each); XED
 * few-shot; XED full. Per set: the product (`train()` as `deno task train` runs it, on a fresh PGlite
 * store), the classic tool (bench/quality_peer.py) dev-tuned and with 5-fold CV, and the constant
 * predictor (the most frequent train + dev tag for every post).
 *
 *   deno task bench quality [--sets goemotions-full,goemotions-720,xed-fewshot,xed-full] [--draws 5]
 *
 * Needs Debian's python3-sklearn (scripts/setup.sh --test installs it).
 */
import { join, resolve } from "node:path";
import { loadSettings, type Settings } from "@/config/mod.ts";
import { ingest, openFileSource } from "@/ingest/mod.ts";
import { openStore } from "@/store/mod.ts";
import { train } from "@/train/mod.ts";
import { goEmotionsSet, type QualitySet, xedSet } from "./quality_sets.ts";

const HERE = new URL(".", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3"; // Debian's, with python3-sklearn
const DRAW_SEEDS = [1, 2, 3, 4, 5]; // the benchmark's own draws: develop on other seeds
/** In the order they run: the few-labels sets first. */
import { SET_NAMES } from "./quality_sets.ts";
export { SET_NAMES };

/** What the scorer says of one predictions file. */
export interface Scored {
  posts: number;
  tags: number;
  weighted_f05: number;
  macro_f05: number;
  micro_f05: number;
  weighted_f1: number;
  macro_f1: number;
  micro_f1: number;
  per_language: Record<string, { weighted_f05: number; n: number }>;
  share_error: Record<string, number>;
}

type Tool = Scored & { train_s: number; [k: string]: unknown };

async function python(args: string[]): Promise<string> {
  const out = await new Deno.Command(PYTHON, { args, stdout: "piped", stderr: "piped" }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`Cannot run "${args[0]}": ${err.trim().split("\n").slice(-3).join(" ")}`);
  return new TextDecoder().decode(out.stdout);
}

async function score(file: string, rates?: Record<string, { tpr: number; fpr: number }>): Promise<Scored> {
  const args = [join(HERE, "quality_score.py"), file];
  if (rates) {
    const path = file.replace(/\.jsonl$/, ".rates.json");
    await Deno.writeTextFile(path, JSON.stringify(rates));
    args.push("--rates", path);
  }
  return JSON.parse(await python(args));
}

/** The classic tool under one protocol. */
async function classic(set: QualitySet, dir: string, protocol: "dev" | "cv"): Promise<Tool> {
  const out = join(dir, `classic-${protocol}`);
  await python([
    join(HERE, "quality_peer.py"),
    "--data",
    set.peerJsonl,
    "--protocol",
    protocol,
    "--out",
    out,
  ]);
  const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  const predictions = join(out, "test_predictions.jsonl");
  return { ...await score(predictions, summary.rates), train_s: summary.train_seconds, C: summary.C };
}

/** The most frequent train + dev tag, predicted for every test post. */
async function constant(set: QualitySet, dir: string): Promise<Scored & { tag: string }> {
  const rows = (await Deno.readTextFile(set.peerJsonl)).split("\n").filter((l) => l.trim()).map((l) =>
    JSON.parse(l)
  );
  const counts = new Map<string, number>();
  const labeled = rows.filter((r) => r.split !== "test");
  for (const r of labeled) for (const t of r.labels) counts.set(t, (counts.get(t) ?? 0) + 1);
  const [tag] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  const share = counts.get(tag)! / labeled.length;
  const file = join(dir, "constant.jsonl");
  await Deno.writeTextFile(
    file,
    rows.filter((r) => r.split === "test").map((r) =>
      JSON.stringify({
        post: r.id,
        lang: r.lang,
        true: r.labels,
        predicted: [tag],
        probabilities: { [tag]: share },
      })
    ).join("\n") + "\n",
  );
  return { ...await score(file), tag };
}

/** The product, trained as `deno task train --source` trains it, on a fresh store holding only this set. */
async function product(set: QualitySet, dir: string): Promise<Tool> {
  const root = join(dir, "product");
  const settings = loadSettings({ POSTTAGGER_ROOT: root, ANON_SECRET: "quality-bench-".padEnd(40, "q") });
  const store = await openStore(settings);
  try {
    const source = openFileSource(set.source, { dataDir: settings.dataDir });
    await ingest(store, source.items, { source: source.name });
    const t0 = performance.now();
    const { manifest } = await train(store, settings, { source: set.trainSource, seed: 7 });
    const trainS = (performance.now() - t0) / 1000;
    const predictions = join(settings.runsDir, manifest.run_id, "test_predictions.jsonl");
    const scored = await score(predictions, manifest.share_rates);
    const gap = Math.abs(scored.weighted_f05 - manifest.metrics.weighted_f05);
    if (gap > 1e-6) {
      throw new Error(
        `The product's own weighted F0.5 ${manifest.metrics.weighted_f05} differs from scikit-learn's ` +
          `${scored.weighted_f05} by ${gap} on "${set.name}"`,
      );
    }
    return {
      ...scored,
      train_s: trainS,
      own_metric_agrees: gap,
      protocol: manifest.protocol,
      timings_s: manifest.timings_s,
      brier_mean: (manifest.calibration ?? []).reduce((s, c) => s + c.brier, 0) /
        Math.max(manifest.calibration?.length ?? 1, 1),
    };
  } finally {
    await store.close();
  }
}

async function measureSet(set: QualitySet, dir: string, log: (s: string) => void) {
  log(`${set.name}: product`);
  const p = await product(set, dir);
  log(`${set.name}: product ${p.weighted_f05.toFixed(4)} (${p.train_s.toFixed(0)} s); classic, dev-tuned`);
  const dev = await classic(set, dir, "dev");
  log(`${set.name}: classic dev ${dev.weighted_f05.toFixed(4)}; classic, 5-fold CV`);
  const cv = await classic(set, dir, "cv");
  const most = await constant(set, dir);
  log(
    `${set.name}: classic cv ${cv.weighted_f05.toFixed(4)}, most frequent tag ${
      most.weighted_f05.toFixed(4)
    }`,
  );
  return { counts: set.counts, product: p, classic_dev: dev, classic_cv: cv, most_frequent_tag: most };
}

type SetFigures = Awaited<ReturnType<typeof measureSet>>;

const KEYS = [
  "weighted_f05",
  "macro_f05",
  "micro_f05",
  "weighted_f1",
  "macro_f1",
  "micro_f1",
  "train_s",
] as const;

/** Mean and sample sd of each headline figure over the draws. */
function meanSd(draws: SetFigures[]) {
  const tools = ["product", "classic_dev", "classic_cv", "most_frequent_tag"] as const;
  return Object.fromEntries(tools.map((tool) => {
    const keys = [...KEYS, "share_error.counts", "share_error.probabilities", "share_error.adjusted_counts"];
    return [
      tool,
      Object.fromEntries(keys.map((key) => {
        const xs = draws.map((d) => {
          const t = d[tool] as unknown as Record<string, unknown>;
          const [a, b] = key.split(".");
          return Number(b ? (t[a] as Record<string, number>)?.[b] : t[a]);
        }).filter((x) => Number.isFinite(x));
        const mean = xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
        const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(xs.length - 1, 1));
        return [key, { mean, sd }];
      })),
    ];
  }));
}

/** The targets of issue #14, checked on one set's figures (means for the draws). */
function targets(name: string, f: SetFigures) {
  const worstLanguage = Object.entries(f.product.per_language).map(([lang, v]) => ({
    lang,
    margin: v.weighted_f05 - (f.most_frequent_tag.per_language[lang]?.weighted_f05 ?? 0),
  })).sort((a, b) => a.margin - b.margin)[0];
  const share = Object.fromEntries(
    Object.keys(f.product.share_error).map((
      k,
    ) => [k, f.product.share_error[k] <= f.classic_cv.share_error[k]]),
  );
  return {
    beats_classic_cv: f.product.weighted_f05 - f.classic_cv.weighted_f05,
    ...(name === "goemotions-full" ? { at_least_0_566: f.product.weighted_f05 >= 0.566 } : {}),
    worst_language_over_constant: worstLanguage ?? null,
    share_error_no_worse_than_classic_cv: share,
  };
}

/** Measures the sets in turn; a set that fails is recorded with its error and the others go on. */
export async function benchQuality(options: {
  dataDir: string;
  sets?: string[];
  draws?: number;
  log?: (s: string) => void;
  /** Called with the figures so far after each set (a long run keeps what it measured). */
  onSet?: (figures: Record<string, unknown>) => Promise<void>;
}) {
  const log = options.log ?? (() => {});
  const shared = resolve(Deno.env.get("SHARED_DATASETS") ?? "../shared/datasets");
  const sets = options.sets ?? [...SET_NAMES];
  const work = join(options.dataDir, "bench", "quality");
  await Deno.remove(work, { recursive: true }).catch(() => {});
  const load = { start: Deno.loadavg() as number[], end: [] as number[] };
  const out: Record<string, unknown> = {};
  const t0 = performance.now();
  for (const name of sets) {
    try {
      await measureNamed(name);
    } catch (err) {
      out[name] = { error: (err as Error).message };
      log(`${name}: failed: ${(err as Error).message}`);
    }
    await options.onSet?.({ sets: out, machine_load: { ...load, now: Deno.loadavg() } });
  }
  load.end = Deno.loadavg();
  return { sets: out, seconds: (performance.now() - t0) / 1000, machine_load: load };

  async function measureNamed(name: string) {
    const dir = join(work, name);
    if (name === "goemotions-full") {
      const f = await measureSet(await goEmotionsSet(join(shared, "goemotions"), dir, { name }), dir, log);
      out[name] = { ...f, targets: targets(name, f) };
    } else if (name === "goemotions-720") {
      const draws: SetFigures[] = [];
      for (const seed of DRAW_SEEDS.slice(0, options.draws ?? 5)) {
        const d = join(dir, `seed-${seed}`);
        const set = await goEmotionsSet(join(shared, "goemotions"), d, {
          name: `${name} seed ${seed}`,
          draw: { train: 720, dev: 80, seed },
        });
        draws.push(await measureSet(set, d, log));
      }
      const mean = meanSd(draws);
      const summary = {
        product: { weighted_f05: mean.product.weighted_f05.mean },
        classic_cv: { weighted_f05: mean.classic_cv.weighted_f05.mean },
      };
      out[name] = {
        seeds: DRAW_SEEDS.slice(0, draws.length),
        mean_sd: mean,
        draws,
        targets: {
          beats_classic_cv: summary.product.weighted_f05 - summary.classic_cv.weighted_f05,
          per_draw: draws.map((d, i) => ({ seed: DRAW_SEEDS[i], ...targets(name, d) })),
        },
      };
    } else if (name === "xed-fewshot" || name === "xed-full") {
      const file = join(shared, "xed", name === "xed-fewshot" ? "fewshot.jsonl" : "full.jsonl");
      const f = await measureSet(await xedSet(file, dir, name), dir, log);
      out[name] = { ...f, targets: targets(name, f) };
    } else throw new RangeError(`Cannot measure set "${name}": known sets are ${SET_NAMES.join(", ")}`);
  }
}

/** `deno task bench quality`: every set (or `options.sets`), the partial figures kept as it goes. */
export function run(settings: Settings, options: { sets?: string[]; draws?: number } = {}) {
  return benchQuality({
    dataDir: settings.dataDir,
    ...options,
    log: (s) => console.log(`  ${s}`),
    onSet: (f) =>
      Deno.writeTextFile(join(settings.dataDir, "bench", "quality.partial.json"), JSON.stringify(f, null, 2)),
  });
}
