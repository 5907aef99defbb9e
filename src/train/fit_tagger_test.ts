import assert from "node:assert/strict";
import type { FitResult, FusionModel } from "@/model/mod.ts";
import { labelMatrix } from "./f_beta.ts";
import { selectRows } from "./evaluate.ts";
import { CV_MAX_POSTS, fitTagger, LARGE_FOLDS, type TaggerInputs } from "./fit_tagger.ts";
import { fitLinear, sparseRows } from "./linear.ts";
import { columnShares } from "./shares.ts";

/**
 * A hand-made world: 40 labeled posts, tag 0 on every even post, tag 1 on every fifth. The network is a
 * stand-in that remembers its training rows: for a row it trained on it answers the truth (0.99 / 0.01),
 * for any other row 0.5. So a tuning score that is not 0.5 could only come from a model that saw the row.
 */
function world(options: { linear?: boolean; n?: number } = {}) {
  const n = options.n ?? 40,
    tags = Array.from({ length: n }, (_, i) => [...(i % 2 ? [] : [0]), ...(i % 5 ? [] : [1])]);
  const labels = labelMatrix(tags, 2);
  const fits: { rows: number[]; validation: number[] | null; epochs: number }[] = [];
  const seen = new Map<FusionModel, Set<number>>();
  const inputs: TaggerInputs = {
    labels,
    items: tags.map((t) => ({ tags: t })),
    vectors: options.linear
      ? tags.map((t) => ({ indices: Int32Array.of(t.includes(0) ? 0 : 1), values: Float32Array.of(1) }))
      : null,
    vectorDim: 2,
    fitNetwork: (rows, f) => {
      fits.push({ rows: [...rows], validation: f.validation && [...f.validation], epochs: f.epochs });
      const model = { network: { dispose() {}, countParams: () => 0 }, config: {} } as unknown as FusionModel;
      seen.set(model, new Set(rows));
      // each fold's held-out part peaks at a different epoch: 3, 4, 5, 6, 7
      const bestEpoch = 3 + (fits.length - 1) % 5;
      return Promise.resolve({ model, bestEpoch, history: [] } as unknown as FitResult);
    },
    predictNetwork: (model, rows) => {
      const data = new Float32Array(rows.length * 2);
      rows.forEach((r, j) => {
        for (let c = 0; c < 2; c++) {
          data[j * 2 + c] = seen.get(model)!.has(r) ? (labels.data[r * 2 + c] ? 0.99 : 0.01) : 0.5;
        }
      });
      return Promise.resolve({ data, rows: rows.length, cols: 2 });
    },
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const cut = Math.round(n * 0.8);
  return { inputs, fits, rows: { train: all.slice(0, cut), dev: all.slice(cut) } };
}

Deno.test("fitTagger() under cv scores every labeled post by a fold model that never trained on it", async () => {
  const { inputs, fits, rows } = world();
  const tagger = await fitTagger(inputs, { rows, protocol: "cv", folds: 5, seed: 3, epochs: 9 });
  const labeled = [...rows.train, ...rows.dev];
  const folds = fits.slice(0, 5);
  assert.equal(fits.length, 6, "5 fold models and the refit");
  for (const f of folds) {
    assert.ok(f.validation!.every((r) => !f.rows.includes(r)), "a fold's held-out posts are not trained on");
    assert.equal(f.rows.length + f.validation!.length, labeled.length);
  }
  assert.deepEqual(
    folds.flatMap((f) => f.validation!).sort((a, b) => a - b),
    labeled,
    "each post held out once",
  );
  // Out-of-fold scores are all 0.5: nothing the memorizing network saw reached the tuning scores.
  const p = tagger.tuning.probabilities;
  for (let c = 0; c < 2; c++) {
    const column = Array.from({ length: p.rows }, (_, r) => p.data[r * 2 + c]);
    assert.ok(column.every((x) => x === column[0]), `tag ${c}'s tuning scores are one value`);
  }
  // The refit: all of train + dev, no early stopping, the median of the folds' best epochs (3..7 -> 5).
  assert.deepEqual(fits[5], { rows: labeled, validation: null, epochs: 5 });
  assert.deepEqual(tagger.protocol.network.best_epochs, [3, 4, 5, 6, 7]);
  assert.equal(tagger.protocol.network.refit_epochs, 5);
  assert.equal(tagger.protocol.tuning_posts, 40);
  assert.equal(tagger.protocol.folds, 5);
  // rules tuned on fold models meet the refit model: the count options stay off under cv
  assert.deepEqual(tagger.protocol.decisions, { smooth: 0, count_allowance: 0 });
});

Deno.test("fitTagger() under dev tunes on dev, then refits both parts on train + dev with dev's choices", async () => {
  const { inputs, fits, rows } = world({ linear: true });
  const tagger = await fitTagger(inputs, { rows, protocol: "dev", seed: 3, epochs: 9 });
  const labeled = [...rows.train, ...rows.dev];
  // the network stops early on dev (best epoch 3), and is fitted again on all of it for 3 epochs
  assert.deepEqual(fits, [
    { rows: rows.train, validation: rows.dev, epochs: 9 },
    { rows: labeled, validation: null, epochs: 3 },
  ]);
  assert.equal(tagger.protocol.tuning_posts, rows.dev.length);
  assert.equal(tagger.protocol.network.refit_epochs, 3);
  // each of the 2 tags' count allowance: 0.0008 / sqrt(2)
  assert.deepEqual(tagger.protocol.decisions, { smooth: 2, count_allowance: 0.0008 / Math.sqrt(2) });
  assert.equal(tagger.protocol.calibration_base, "labeled");
  // the linear model is the refit on train + dev with the C chosen on dev
  const refit = fitLinear(
    sparseRows(labeled.map((r) => inputs.vectors![r]), 2),
    selectRows(inputs.labels, labeled),
    {
      optimizer: "dual",
      l2: 1 / (tagger.protocol.linear!.C * labeled.length),
      epochs: 30,
    },
  );
  assert.deepEqual(tagger.parts.linear!.weights, refit.weights);
  // each tag's mean calibrated probability over dev is the labeled set's share (tag 1: 8 of 40 posts),
  // not dev's own (1 of 8)
  const mean = columnShares(tagger.tuning.probabilities);
  assert.ok(Math.abs(mean[0] - 0.5) < 1e-6, String(mean[0]));
  assert.ok(Math.abs(mean[1] - 0.2) < 1e-6, String(mean[1]));
});

Deno.test("fitTagger() under dev with calibrationBase 'tuning' keeps dev's own share", async () => {
  // 200 posts (tag 1 on 40 of them), dev: 2 posts with tag 1 and 40 without
  const { inputs } = world({ linear: true, n: 200 });
  const all = Array.from({ length: 200 }, (_, i) => i);
  const dev = [0, 5, ...all.filter((i) => i % 5 !== 0).slice(0, 40)];
  const rows = { train: all.filter((i) => !dev.includes(i)), dev };
  const meanOf = async (calibrationBase: "tuning" | "labeled") => {
    const { tuning: { probabilities: p } } = await fitTagger(inputs, {
      rows,
      protocol: "dev",
      seed: 3,
      epochs: 9,
      calibrationBase,
    });
    return columnShares(p)[1];
  };
  const own = await meanOf("tuning"), labeled = await meanOf("labeled");
  // Platt's smoothed targets keep it near dev's 2 of 42 (0.048); matched, it is the labeled 40 of 200
  assert.ok(Math.abs(own - 2 / 42) < 0.02, String(own));
  assert.ok(Math.abs(labeled - 0.2) < 1e-6, String(labeled));
});

Deno.test("fitTagger() under dev with devRefit 'paired' refits neither part when the linear model is solved by SGD", async () => {
  // 400,000 posts x 2 tags is past the exact solver's work bound: SGD, which is never refitted
  const { inputs, fits, rows } = world({ linear: true, n: 400_000 });
  const tagger = await fitTagger(inputs, { rows, protocol: "dev", seed: 3, epochs: 9, devRefit: "paired" });
  assert.equal(tagger.protocol.linear!.solver, "sgd");
  assert.deepEqual(fits.map((f) => f.rows.length), [rows.train.length], "the network is not fitted again");
  assert.equal(tagger.protocol.network.refit_epochs, null);
});

Deno.test("fitTagger() under dev with devRefit 'paired' refits both parts when the linear model is solved exactly", async () => {
  const { inputs, fits, rows } = world({ linear: true });
  const tagger = await fitTagger(inputs, { rows, protocol: "dev", seed: 3, epochs: 9, devRefit: "paired" });
  assert.equal(tagger.protocol.linear!.solver, "dual");
  assert.deepEqual(fits.map((f) => f.rows.length), [rows.train.length, 40]);
  assert.equal(tagger.protocol.network.refit_epochs, 3);
});

Deno.test("fitTagger() under dev with devRefit 'none' keeps the parts fitted on train", async () => {
  const { inputs, fits, rows } = world({ linear: true });
  const tagger = await fitTagger(inputs, { rows, protocol: "dev", seed: 3, epochs: 9, devRefit: "none" });
  assert.deepEqual(fits, [{ rows: rows.train, validation: rows.dev, epochs: 9 }]);
  assert.equal(tagger.protocol.network.refit_epochs, null);
  const train = fitLinear(
    sparseRows(rows.train.map((r) => inputs.vectors![r]), 2),
    selectRows(inputs.labels, rows.train),
    {
      optimizer: "dual",
      l2: 1 / (tagger.protocol.linear!.C * rows.train.length),
      epochs: 30,
    },
  );
  assert.deepEqual(tagger.parts.linear!.weights, train.weights);
});

Deno.test("fitTagger() gives the linear model the blend when the network adds nothing out of fold", async () => {
  // The linear model sees a feature that marks tag 0 exactly; the network's held-out scores are all 0.5.
  const { inputs, fits, rows } = world({ linear: true });
  const tagger = await fitTagger(inputs, { rows, protocol: "cv", folds: 5, seed: 3, cGrid: [1, 4] });
  assert.equal(tagger.protocol.network.screened_out, true, "fold 0 showed the network adds nothing");
  assert.equal(fits.length, 1, "no other fold and no refit of the network");
  assert.equal(tagger.parts.meta.blend.network, 0);
  assert.deepEqual(Object.keys(tagger.protocol.linear!.tuned_f05_by_C), ["1", "4"]);
  // tag 0 is decided right on every tuning post
  assert.equal(tagger.brier.length, 2);
  const f = tagger.protocol.tuning_weighted_f05;
  assert.ok(f > 0.6, `tuning weighted F0.5 ${f}`);
});

Deno.test("fitTagger() under cv above CV_MAX_POSTS: 3 folds, fold 0 stops early, the others and the refit train its best epochs, no screen", async () => {
  // the linear model marks tag 0 exactly and the network adds nothing: on a small set the screen would
  // stop after fold 0; on a large one a blend's gain is not noise, and every fold is fitted
  const { inputs, fits, rows } = world({ linear: true, n: CV_MAX_POSTS + 100 });
  const tagger = await fitTagger(inputs, { rows, protocol: "cv", seed: 3, epochs: 9, cGrid: [4] });
  const labeled = [...rows.train, ...rows.dev];
  assert.equal(LARGE_FOLDS, 3);
  assert.equal(tagger.protocol.folds, 3);
  assert.equal(fits.length, 4, "3 fold models and the refit");
  assert.equal(fits[0].epochs, 9);
  assert.equal(fits[0].validation!.length + fits[0].rows.length, labeled.length);
  // fold 0's best epoch is 3: the other folds train 3 epochs on their part, with no held-out pass
  for (const f of fits.slice(1, 3)) {
    assert.equal(f.validation, null);
    assert.equal(f.epochs, 3);
    assert.ok(f.rows.length < labeled.length);
  }
  assert.deepEqual(fits[3], { rows: labeled, validation: null, epochs: 3 });
  assert.equal(tagger.protocol.network.screened_out, false);
  assert.equal(tagger.protocol.network.refit_epochs, 3);
  assert.equal(tagger.protocol.tuning_posts, labeled.length);
  // tens of thousands of out-of-fold posts: the count options of the dev protocol apply
  // each of the 2 tags' count allowance: 0.0008 / sqrt(2)
  assert.deepEqual(tagger.protocol.decisions, { smooth: 2, count_allowance: 0.0008 / Math.sqrt(2) });
});
