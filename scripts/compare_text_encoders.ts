/**
 * Compares the offline text encoders on GoEmotions with a linear probe: one-vs-rest logistic
 * regression trained on train, per-tag F0.5 thresholds tuned on dev, scores on test.
 *
 * Usage:
 *   deno run -A scripts/compare_text_encoders.ts
 *   deno run -A scripts/compare_text_encoders.ts --variants ngrams,ngrams-dense,fasttext,ngrams+fasttext \
 *     --dense-dims 512,2048 --ft-dim 100 --epochs 5 --json data/bench/text_encoders.json
 *   deno run -A scripts/compare_text_encoders.ts --limit 5000   # a quick smoke run
 *
 * Variants: `ngrams` (sparse hashed TF-IDF, 2^18), `ngrams-dense` (its sparse random projection at each
 * of --dense-dims), `fasttext` (in-domain skipgram sentence vectors), `ngrams+fasttext` (both, side by
 * side), and the `all-neutral` floor. Times are seconds of wall clock on this machine.
 *
 * @module
 */

import { TextFastTextEncoder } from "../src/encode/text_fasttext.ts";
import { denseProjection, TextNgramsEncoder } from "../src/encode/text_ngrams.ts";
import { type LabelMatrix, labelMatrix, multiLabelReport } from "../src/train/f_beta.ts";
import {
  concatRows,
  denseRows,
  evaluateProbe,
  type FeatureRows,
  type LinearProbeOptions,
  sparseRows,
} from "../src/train/_linear.ts";
import { parseCli, run } from "./_cli.ts";

interface Split {
  texts: string[];
  labels: LabelMatrix;
}

/** One row of the comparison table. */
export interface ComparisonRow {
  variant: string;
  input: "sparse" | "dense" | "sparse+dense" | "-";
  dim: number;
  encoderFitSeconds: number;
  encodeSeconds: number;
  probeSeconds: number;
  weightedF05: number;
  macroF1: number;
  microF1: number;
  note?: string;
}

async function readSplit(dir: string, name: string, tags: number, limit: number): Promise<Split> {
  const lines = (await Deno.readTextFile(`${dir}/${name}.tsv`)).split("\n").filter((l) => l.length > 0);
  const rows = lines.slice(0, limit > 0 ? limit : lines.length).map((line, i) => {
    const [text, ids] = line.split("\t");
    if (ids === undefined) throw new Error(`Cannot read "${dir}/${name}.tsv" line ${i + 1}: no label column`);
    return { text, tags: ids.split(",").map(Number) };
  });
  return { texts: rows.map((r) => r.text), labels: labelMatrix(rows.map((r) => r.tags), tags) };
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function main(args: string[]): Promise<ComparisonRow[]> {
  const { values } = parseCli(args, import.meta.url, {
    data: {
      type: "string",
      default: "/work/shared/datasets/goemotions",
      help: "folder with train/dev/test.tsv and labels.txt",
    },
    variants: {
      type: "string",
      default: "ngrams,ngrams-dense,fasttext,ngrams+fasttext",
      help: "text encoders to compare",
    },
    "dense-dims": { type: "string", default: "512,2048", help: "sizes of the dense n-gram projection" },
    "ft-dim": { type: "string", default: "100", help: "fastText vector size" },
    "ft-epoch": { type: "string", default: "5", help: "fastText passes over the train texts" },
    "ft-weight": { type: "string", default: "1", help: "scale of the fastText block next to the n-grams" },
    epochs: { type: "string", default: "5", help: "probe passes" },
    limit: { type: "string", default: "0", help: "rows per split, 0 = all" },
    json: { type: "string", help: "also write the rows to this file" },
  });
  const dir = values.data;
  const limit = Number(values.limit);
  const tags = (await Deno.readTextFile(`${dir}/labels.txt`)).split("\n").filter((l) => l.trim()).length;
  const [train, dev, test] = await Promise.all(
    ["train", "dev", "test"].map((s) => readSplit(dir, s, tags, limit)),
  );
  const labels = { train: train.labels, dev: dev.labels, test: test.labels };
  const variants = new Set(values.variants.split(","));
  const ftWeight = Number(values["ft-weight"]);
  const probeOpts: LinearProbeOptions = { epochs: Number(values.epochs) };
  const rows: ComparisonRow[] = [];
  const log = (r: ComparisonRow) => {
    rows.push(r);
    console.error(
      `${r.variant.padEnd(24)} wF0.5 ${r.weightedF05.toFixed(3)}  macroF1 ${r.macroF1.toFixed(3)}  ` +
        `microF1 ${r.microF1.toFixed(3)}  (${
          (r.encoderFitSeconds + r.encodeSeconds + r.probeSeconds).toFixed(0)
        } s)`,
    );
  };

  // the floor: `neutral` for every post
  const neutral = (await Deno.readTextFile(`${dir}/labels.txt`)).split("\n").indexOf("neutral");
  const allNeutral = labelMatrix(Array.from({ length: test.labels.rows }, () => [neutral]), tags);
  const floor = multiLabelReport(test.labels, allNeutral);
  log({
    variant: "all-neutral",
    input: "-",
    dim: 0,
    encoderFitSeconds: 0,
    encodeSeconds: 0,
    probeSeconds: 0,
    weightedF05: floor.weightedF05,
    macroF1: floor.macroF1,
    microF1: floor.microF1,
  });

  const run = (
    variant: string,
    input: ComparisonRow["input"],
    x: Record<keyof typeof labels, FeatureRows>,
    t: {
      fit: number;
      encode: number;
    },
  ) => {
    const r = evaluateProbe(x, labels, probeOpts);
    log({
      variant,
      input,
      dim: x.train.dim,
      encoderFitSeconds: t.fit,
      encodeSeconds: t.encode,
      probeSeconds: r.trainSeconds,
      weightedF05: r.weightedF05,
      macroF1: r.macroF1,
      microF1: r.microF1,
      note: `${r.tunedTags}/${tags} tags with their own threshold`,
    });
  };

  const needNgrams = [...variants].some((v) => v.startsWith("ngrams"));
  const needFastText = [...variants].some((v) => v.includes("fasttext"));
  let ngrams: Record<keyof typeof labels, FeatureRows> | undefined;
  let ngramTimes = { fit: 0, encode: 0 };
  if (needNgrams) {
    let t0 = performance.now();
    const enc = TextNgramsEncoder.fit(train.texts);
    const fit = seconds(t0);
    t0 = performance.now();
    ngrams = {
      train: sparseRows(enc.encode(train.texts), enc.dim),
      dev: sparseRows(enc.encode(dev.texts), enc.dim),
      test: sparseRows(enc.encode(test.texts), enc.dim),
    };
    ngramTimes = { fit, encode: seconds(t0) };
    if (variants.has("ngrams")) run("ngrams (sparse 2^18)", "sparse", ngrams, ngramTimes);
    if (variants.has("ngrams-dense")) {
      for (const dim of values["dense-dims"].split(",").map(Number)) {
        const t1 = performance.now();
        const project = (x: FeatureRows) =>
          denseRows(denseProjection(Array.from({ length: x.rows }, (_, r) => x.row(r)), { dim }), dim);
        const dense = { train: project(ngrams.train), dev: project(ngrams.dev), test: project(ngrams.test) };
        run(`ngrams dense ${dim}`, "dense", dense, {
          fit: ngramTimes.fit,
          encode: ngramTimes.encode + seconds(t1),
        });
      }
    }
  }
  if (needFastText) {
    const ftDir = await Deno.makeTempDir({ prefix: "compare_fasttext_" });
    try {
      let t0 = performance.now();
      const enc = await TextFastTextEncoder.fit(train.texts, {
        dir: ftDir,
        dim: Number(values["ft-dim"]),
        epoch: Number(values["ft-epoch"]),
      });
      const fit = seconds(t0);
      t0 = performance.now();
      const [tr, dv, te] = await Promise.all([train, dev, test].map((s) => enc.encode(s.texts)));
      const ft = { train: denseRows(tr, enc.dim), dev: denseRows(dv, enc.dim), test: denseRows(te, enc.dim) };
      const times = { fit, encode: seconds(t0) };
      if (variants.has("fasttext")) run(`fasttext ${enc.dim} (${enc.state.backend})`, "dense", ft, times);
      if (variants.has("ngrams+fasttext") && ngrams) {
        const both = {
          train: concatRows([ngrams.train, ft.train], [1, ftWeight]),
          dev: concatRows([ngrams.dev, ft.dev], [1, ftWeight]),
          test: concatRows([ngrams.test, ft.test], [1, ftWeight]),
        };
        run(`ngrams + fasttext x${ftWeight}`, "sparse+dense", both, {
          fit: ngramTimes.fit + times.fit,
          encode: ngramTimes.encode + times.encode,
        });
      }
    } finally {
      await Deno.remove(ftDir, { recursive: true });
    }
  }

  console.log(
    "| variant | input | dim | encoder fit s | encode s | probe s | weighted F0.5 | macro-F1 | micro-F1 |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.variant} | ${r.input} | ${r.dim} | ${r.encoderFitSeconds.toFixed(1)} | ${
        r.encodeSeconds.toFixed(1)
      } | ` +
        `${r.probeSeconds.toFixed(1)} | ${r.weightedF05.toFixed(3)} | ${r.macroF1.toFixed(3)} | ${
          r.microF1.toFixed(3)
        } |`,
    );
  }
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify({ rows, probe: probeOpts }, null, 2));
  return rows;
}

if (import.meta.main) await run(async (args) => void (await main(args)));
