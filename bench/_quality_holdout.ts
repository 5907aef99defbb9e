/**
 * Development harness of the tagger's protocols on held-out TRAIN posts (never the test split): reads a
 * bench store's labeled posts, drops the real test posts, marks a seeded share of train as the pseudo-test,
 * assembles features as `train()` does and fits the tagger under each variant, printing one JSON line per
 * variant (weighted F0.5 and share errors on the pseudo-test, seconds of each step).
 *
 *   deno run -A bench/_quality_holdout.ts --root DIR --source goemotions --variants dev,devboth [--share 0.1] [--seed 11]
 *
 * DIR: a copy of a bench store, so the bench's own stays as it is (`mkdir -p DIR && cp -a
 * data/bench/quality/xed-full/product/data DIR/`; XED's source is `jsonl:<absolute path of full.jsonl>`, as
 * the bench ingested it). Variants: `dev` (the dev protocol, nothing refitted), `dev+refits` (the same, then
 * the harness refits each part on train + dev and scores each combination), `devlin`, `devboth` (fitTagger's
 * devRefit), `cv3` (3 folds, epochs from fold 0), `cv3each`, and `linear:OPTIMIZER:C:EPOCHS` (the linear
 * model alone, thresholds tuned on dev, scored as fitted on train and refitted on train + dev).
 * fit_tagger.ts's module doc holds what they measured.
 * `--buckets N` sets one n-gram hash space for both parts (default: the product's, 2^20 for the linear
 * part and 2^18 for the network). Measured before that default, on XED full (seed 11, 10%):
 * the linear model alone (dual, C 16) 0.4474 at 2^18, 0.4603 at 2^20, 0.4603 at 2^22 (refitted 0.4558,
 * 0.4674, 0.4681); `devboth` 0.4599 -> 0.4733 at 2^20 (4.0 GB peak against 2.1: the network's table
 * grows too, and its own figure does not move, 0.4432 -> 0.4433, so only the linear part needs the space).
 * With the default that followed, `devboth` 0.4715 on XED full (2.2 GB peak); on GoEmotions full 0.5778
 * with one 2^18 space, 0.5734 with the default (dev-tuned 0.5783 and 0.5778: a draw's noise).
 * `--lang-weight W` (linear variants) adds a column per language of value W: on XED full (dual, C 16,
 * 2^20) the linear model alone 0.4603 -> 0.4594 at W 1, 0.4604 at W 0.3 (refitted 0.4674 -> 0.4660, 0.4659).
 *
 * @module
 */
import { join } from "node:path";
import { loadSettings } from "@/config/mod.ts";
import { mulberry32 } from "@/core/mod.ts";
import {
  assembleFeatures,
  DEFAULT_FEATURE_CONFIG,
  fitFeatures,
  prepareTexts,
  textVectors,
} from "@/encode/mod.ts";
import { windowStart } from "@/ingest/mod.ts";
import { type FusionModel, predict, selectBackend } from "@/model/mod.ts";
import { selectRows } from "@/train/evaluate.ts";
import { fitLinear, predictLinear, sparseRows } from "@/train/linear.ts";
import type { TaggerParts } from "@/train/tagger.ts";
import { openStore, readDataset } from "@/store/mod.ts";
import { labelMatrix, weightedFBeta } from "@/train/f_beta.ts";
import { DEV_DECISIONS, fitTagger, type FitTaggerOptions, tunedF05 } from "@/train/fit_tagger.ts";
import { applyThresholds, tuneThresholds } from "@/train/thresholds.ts";
import { taggerInputs } from "@/train/tagger_inputs.ts";
import { decide, toFusion } from "@/train/score_model.ts";
import { columnShares, estimateShares, shareError, tagRates } from "@/train/shares.ts";
import { applyRules } from "@/train/decision_rules.ts";
import { openTrainEncoders } from "@/train/train_encoders.ts";
import { TRAIN_DEFAULTS } from "@/train/defaults.ts";

const arg = (name: string, fallback?: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  if (i >= 0) return Deno.args[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
};
const root = arg("root"), source = arg("source", "");
const share = Number(arg("share", "0.1")), holdSeed = Number(arg("seed", "11"));
const variants = arg("variants", "dev").split(",");

/** Variant name -> fitTagger options (besides rows, seed, epochs). */
const VARIANTS: Record<string, Partial<FitTaggerOptions>> = {
  dev: { protocol: "dev", devRefit: "none" },
  "dev+refits": { protocol: "dev", devRefit: "none" },
  devlin: { protocol: "dev", devRefit: "linear" },
  devboth: { protocol: "dev", devRefit: "both" },
  devpaired: { protocol: "dev", devRefit: "paired" },
  "dev:tuningbase": { protocol: "dev", devRefit: "none", calibrationBase: "tuning" },
  "devboth:tuningbase": { protocol: "dev", devRefit: "both", calibrationBase: "tuning" },
  cv3: { protocol: "cv", folds: 3, cGrid: [4, 16] },
  cv3each: { protocol: "cv", folds: 3, cGrid: [4, 16], foldEpochs: "each" },
};

const settings = loadSettings({
  POSTTAGGER_ROOT: root,
  ANON_SECRET: "quality-bench-".padEnd(40, "q"),
  ENCODER_CACHE_DIR: "/work/main/data/cache/encoders",
});
const backend = await selectBackend({ backend: "auto" });
console.error(`backend ${backend.name}`);
const store = await openStore(settings);
const t0 = performance.now();
const secs = (since: number) => Math.round((performance.now() - since) / 100) / 10;
try {
  const all = await readDataset(store.db, {
    labeled: true,
    since: windowStart(TRAIN_DEFAULTS.window),
    source: source || undefined,
  });
  const rand = mulberry32(holdSeed);
  const posts = all.filter((p) => p.split !== "test");
  for (const p of posts) if (p.split === "train" && rand() < share) p.split = "test";
  const part = new Map(posts.map((p) => [p.id, p.split!]));
  const counts = new Map<string, number>();
  for (const p of posts) {
    if (part.get(p.id) !== "test") { for (const t of p.tags) counts.set(t, (counts.get(t) ?? 0) + 1); }
  }
  const tags = [...counts].filter(([, n]) => n >= 3).map(([t]) => t).sort();
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  // --buckets N: one n-gram hash space for both parts, to measure collisions against the default
  const buckets = Number(arg("buckets", "0"));
  const config = buckets
    ? {
      ...DEFAULT_FEATURE_CONFIG,
      text: {
        ...DEFAULT_FEATURE_CONFIG.text,
        ngrams: { ...DEFAULT_FEATURE_CONFIG.text.ngrams, buckets },
        networkBuckets: buckets,
      },
    }
    : DEFAULT_FEATURE_CONFIG;
  const texts = await prepareTexts(posts, config, {
    blobs: store.blobs,
    cacheRoot: join(settings.dataDir, "features"),
  });
  const enc = await openTrainEncoders(config, settings);
  const build = async (fitParts: string[]) => {
    const fitted = fitFeatures(posts.filter((p) => fitParts.includes(part.get(p.id)!)), texts, config, {
      textEncoder: enc.records.text,
    });
    const feats = await assembleFeatures(posts, texts, fitted, {
      blobs: store.blobs,
      cacheRoot: join(settings.dataDir, "features"),
      imageEncoder: enc.image,
      textEncoder: enc.text,
    });
    return { fitted, feats, vectors: textVectors(feats.ids, texts, fitted) };
  };
  const featureCache = new Map<string, Awaited<ReturnType<typeof build>>>();
  const byId = new Map(posts.map((p) => [p.id, p]));
  for (const name of variants) {
    if (name.startsWith("linear:")) {
      // linear:OPTIMIZER:C:EPOCHS alone: dev-tuned thresholds, scored on the pseudo-test, and the refit on
      // train + dev with the same thresholds
      const [, optimizer, c, ep] = name.split(":");
      if (!featureCache.has("train")) featureCache.set("train", await build(["train"]));
      const { fitted, feats, vectors } = featureCache.get("train")!;
      const labels = labelMatrix(
        feats.ids.map((id) => byId.get(id)!.tags.flatMap((x) => tagIndex.get(x) ?? [])),
        tags.length,
      );
      const rowsOf = (p: string) => feats.ids.flatMap((id, i) => (part.get(id) === p ? [i] : []));
      const rows = { train: rowsOf("train"), dev: rowsOf("dev"), test: rowsOf("test") };
      // --lang-weight W: a column per language of value W beside the bag (a per-language bias)
      const B = fitted.ngrams.options.buckets, langW = Number(arg("lang-weight", "0"));
      const langs = [...new Set(feats.langs)].sort(), langIndex = new Map(langs.map((l, i) => [l, i]));
      const withLang = (i: number) =>
        langW
          ? {
            indices: Int32Array.from([...vectors[i].indices, B + langIndex.get(feats.langs[i])!]),
            values: Float32Array.from([...vectors[i].values, langW]),
          }
          : vectors[i];
      const x = (rs: number[]) => sparseRows(rs.map(withLang), B + (langW ? langs.length : 0));
      const fitOn = (rs: number[]) =>
        fitLinear(x(rs), selectRows(labels, rs), {
          optimizer: optimizer as "sgd",
          l2: 1 / (Number(c) * rs.length),
          epochs: Number(ep),
        });
      let r = performance.now();
      const model = fitOn(rows.train);
      const fitS = secs(r);
      const dev = predictLinear(model, x(rows.dev));
      const th = tuneThresholds(dev, selectRows(labels, rows.dev), { beta: 0.5 });
      const testY = selectRows(labels, rows.test);
      const f = (m: typeof model) =>
        weightedFBeta(testY, applyThresholds(predictLinear(m, x(rows.test)), th), { beta: 0.5 });
      r = performance.now();
      const refit = fitOn([...rows.train, ...rows.dev]);
      const refitS = secs(r);
      console.log(JSON.stringify({
        root,
        variant: name,
        dev_tuned: tunedF05(dev, selectRows(labels, rows.dev)),
        test: f(model),
        test_refit_same_thresholds: f(refit),
        fit_s: fitS,
        refit_s: refitS,
      }));
      continue;
    }
    // NAME@allow=X: the variant with each tag's count allowance X (DEV_DECISIONS' smoothing)
    const [base, allow] = name.split("@allow=");
    const options = allow === undefined
      ? VARIANTS[name]
      : { ...VARIANTS[base], decisions: { smooth: DEV_DECISIONS.smooth, countAllowance: Number(allow) } };
    const protocol = options.protocol ?? "dev";
    const key = protocol === "cv" ? "train,dev" : "train";
    let t = performance.now();
    if (!featureCache.has(key)) featureCache.set(key, await build(key.split(",")));
    const { fitted, feats, vectors } = featureCache.get(key)!;
    const featS = secs(t);
    const labels = labelMatrix(
      feats.ids.map((id) => byId.get(id)!.tags.flatMap((x) => tagIndex.get(x) ?? [])),
      tags.length,
    );
    const rowsOf = (p: string) => feats.ids.flatMap((id, i) => (part.get(id) === p ? [i] : []));
    const rows = { train: rowsOf("train"), dev: rowsOf("dev"), test: rowsOf("test") };
    const seen = [0, 1, 2, 3].map((k) => rows.train.some((r) => feats.mask[r * 4 + k] === 1));
    const items = feats.ids.map((id) => ({
      tags: byId.get(id)!.tags.flatMap((x) => tagIndex.get(x) ?? []),
      time: null,
      text: texts.get(id)?.text,
    }));
    const inputs = taggerInputs(feats, { labels, items, vectors, fitted, seed: 7, hide: [], seen });
    const steps: [string, number][] = [];
    t = performance.now();
    let last = t;
    const tagger = await fitTagger(inputs, {
      ...options,
      rows: { train: rows.train, dev: rows.dev },
      seed: 7,
      epochs: TRAIN_DEFAULTS.epochs,
      onStep: (s) => {
        steps.push([s, secs(last)]);
        last = performance.now();
      },
    });
    steps.push(["end", secs(last)]);
    const fitS = secs(t);
    const extra = [...new Set(rows.test.flatMap((r) => byId.get(feats.ids[r])!.tags))].filter((x) =>
      !tagIndex.has(x)
    );
    const allIndex = new Map([...tags, ...extra].map((x, i) => [x, i]));
    const testY = labelMatrix(
      rows.test.map((r) => byId.get(feats.ids[r])!.tags.map((x) => allIndex.get(x)!)),
      allIndex.size,
    );
    const pad = <T extends { data: Float32Array | Uint8Array; rows: number; cols: number }>(m: T): T => {
      const out = new (m.data.constructor as new (n: number) => T["data"])(m.rows * allIndex.size);
      for (let r = 0; r < m.rows; r++) {
        out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), r * allIndex.size);
      }
      return { ...m, data: out, cols: allIndex.size };
    };
    const rates = tagRates(tagger.tuning.y, applyRules(tagger.tuning.probabilities, tagger.parts.meta.rules));
    const truth = columnShares(testY);
    const scoreWith = async (parts: TaggerParts, network: FusionModel) => {
      const net = {
        data: await predict(network, toFusion(feats, rows.test)),
        rows: rows.test.length,
        cols: tags.length,
      };
      const test = decide(parts, [], net, rows.test.map((r) => vectors[r]));
      const pred = pad(test.decisions), probs = pad(test.probabilities);
      const shares = estimateShares(pred, probs, [...rates, ...extra.map(() => ({ tpr: 1, fpr: 0 }))]);
      return {
        weighted_f05: weightedFBeta(testY, pred, { beta: 0.5 }),
        share_error: {
          counts: shareError(shares.counts, truth),
          probabilities: shareError(shares.probabilities, truth),
          adjusted_counts: shareError(shares.adjusted_counts, truth),
        },
      };
    };
    const scored = await scoreWith(tagger.parts, tagger.network);
    const refits: Record<string, unknown> = {};
    if (name.endsWith("+refits")) {
      // the dev protocol's choices, applied to parts refitted on train + dev
      const labeled = [...rows.train, ...rows.dev];
      let r = performance.now();
      const dual = labeled.length * tags.length <= 600_000;
      const lin = fitLinear(
        sparseRows(labeled.map((i) => vectors[i]), fitted.ngrams.options.buckets),
        selectRows(labels, labeled),
        {
          optimizer: dual ? "dual" : "sgd",
          l2: 1 / (tagger.parts.meta.linear!.C * labeled.length),
          epochs: dual ? 30 : 5,
        },
      );
      const linS = secs(r);
      r = performance.now();
      const net = await inputs.fitNetwork(labeled, { validation: null, epochs: tagger.bestEpoch });
      const netS = secs(r);
      const withLin = { ...tagger.parts, linear: lin };
      refits.linear = { ...await scoreWith(withLin, tagger.network), seconds: linS };
      refits.network = { ...await scoreWith(tagger.parts, net.model), seconds: netS };
      refits.both = await scoreWith(withLin, net.model);
      net.model.network.dispose();
    }
    console.log(JSON.stringify({
      root,
      variant: name,
      hold_seed: holdSeed,
      posts: rows,
      ...scored,
      refits,
      protocol: tagger.protocol,
      features_s: featS,
      fit_s: fitS,
      steps,
    }, (k, v) => (k === "posts" ? { train: v.train.length, dev: v.dev.length, test: v.test.length } : v)));
    tagger.network.network.dispose();
  }
  await enc.close();
} finally {
  await store.close();
}
console.error(`total ${secs(t0)} s`);
