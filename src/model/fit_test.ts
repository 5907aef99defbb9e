import assert from "node:assert/strict";
import { selectBackend } from "./backend.ts";
import { fit } from "./fit.ts";
import { predict } from "./predict.ts";
import { rocAuc, sliceData, syntheticData } from "../../tests/support/synthetic_fusion.ts";

await selectBackend({ backend: "wasm" });

// Tag A (column 0) depends only on the image vector, tag B (column 1) only on the text vector.
const all = syntheticData(1200, {
  sizes: { text: 16, image: 24, video: 8, metadata: 4 },
  tagSources: ["image", "text"],
  positiveRates: [0.3, 0.15],
  missingRate: 0.3,
  seed: 3,
});
const train = sliceData(all, 0, 900);
const validation = sliceData(all, 900, 1200);
const small = { projectionSize: 16, hidden: [32, 16], metadataHidden: [8, 4] as [number, number] };

function column(values: ArrayLike<number>, k: number, col: number): number[] {
  return Array.from({ length: values.length / k }, (_, i) => values[i * k + col]);
}

Deno.test("fit() learns a tag from the image vector and another from the text vector", async () => {
  const result = await fit(train, {
    config: small,
    validation,
    epochs: 15,
    batchSize: 64,
    learningRate: 0.01,
    seed: 1,
  });
  const losses = result.history.map((h) => h.valLoss!);
  assert.ok(losses[result.bestEpoch - 1] < losses[0] * 0.8, `validation loss fell: ${losses.join(", ")}`);
  const probs = await predict(result.model, validation);
  for (const col of [0, 1]) {
    const auc = rocAuc(column(probs, 2, col), column(validation.labels!, 2, col));
    assert.ok(auc > 0.85, `AUC of tag ${col} is ${auc}`);
  }
  // Hiding the image (mask bit 1) destroys tag A but not tag B.
  const noImage = { ...validation, mask: validation.mask.map((v, i) => i % 4 === 1 ? 0 : v) };
  const hidden = await predict(result.model, noImage);
  const aucA = rocAuc(column(hidden, 2, 0), column(validation.labels!, 2, 0));
  const aucB = rocAuc(column(hidden, 2, 1), column(validation.labels!, 2, 1));
  assert.ok(aucA < 0.7 && aucB > 0.85, `AUC without image: tag A ${aucA}, tag B ${aucB}`);
});

Deno.test("fit() with the same seed and data gives identical predictions, another seed does not", async () => {
  const opts = { config: small, validation, epochs: 2, batchSize: 128 };
  const a = await predict((await fit(train, { ...opts, seed: 9 })).model, validation);
  const b = await predict((await fit(train, { ...opts, seed: 9 })).model, validation);
  const c = await predict((await fit(train, { ...opts, seed: 10 })).model, validation);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("fit() restores the weights of the epoch with the best validation loss", async () => {
  // A high learning rate makes the validation loss bounce, so the best epoch is usually not the last.
  const result = await fit(train, {
    config: small,
    validation,
    epochs: 6,
    patience: 2,
    learningRate: 0.05,
    seed: 2,
  });
  const best = result.history[result.bestEpoch - 1];
  assert.equal(best.valLoss, result.bestValLoss);
  assert.equal(Math.min(...result.history.map((h) => h.valLoss!)), result.bestValLoss);
  const again = await fit(train, {
    config: small,
    validation,
    epochs: result.bestEpoch,
    learningRate: 0.05,
    seed: 2,
  });
  assert.deepEqual(await predict(result.model, validation), await predict(again.model, validation));
});

Deno.test("training on wasm (custom matmul gradients) matches the cpu backend (tfjs's own gradients)", async () => {
  const opts = { config: small, epochs: 2, batchSize: 128, seed: 4 };
  const onWasm = await predict((await fit(train, opts)).model, validation);
  await selectBackend({ backend: "cpu" });
  try {
    const onCpu = await predict((await fit(train, opts)).model, validation);
    const maxDiff = onWasm.reduce((m, v, i) => Math.max(m, Math.abs(v - onCpu[i])), 0);
    assert.ok(maxDiff < 1e-4, `max difference ${maxDiff}`);
  } finally {
    await selectBackend({ backend: "wasm" });
  }
});

Deno.test("fit() with a validation score keeps the epoch that scores best and stops after `patience` worse ones", async () => {
  const scores = [0.1, 0.5, 0.3, 0.45, 0.2, 0.9];
  let calls = 0;
  const result = await fit(train, {
    config: small,
    validation,
    epochs: 6,
    patience: 3,
    seed: 5,
    validationScore: (p) => {
      assert.equal(p.length, validation.count * 2);
      assert.ok(p.every((v) => v > 0 && v < 1), "probabilities");
      return scores[calls++];
    },
  });
  assert.equal(result.bestEpoch, 2);
  assert.equal(result.bestValScore, 0.5);
  assert.equal(result.history.length, 5);
  assert.ok(result.stoppedEarly);
  const again = await fit(train, { config: small, validation, epochs: 2, seed: 5 });
  assert.deepEqual(await predict(result.model, validation), await predict(again.model, validation));
});

Deno.test("fit() learns a tag from sparse text through the embedding bag and the wide term", async (t) => {
  // Tag B (the text tag) follows the sign pattern of the text vector; encode it as hashed ids.
  const width = 16, buckets = 64;
  const sparse = (d: typeof train) => {
    const ids = new Int32Array(d.count * width), weights = new Float32Array(d.count * width);
    for (let i = 0; i < d.count; i++) {
      for (let j = 0; j < width; j++) {
        const v = d.text![i * 16 + j];
        ids[i * width + j] = (j * 2 + (v > 0 ? 1 : 0)) % buckets;
        weights[i * width + j] = d.mask[i * 4] ? Math.abs(v) / 4 : 0;
      }
    }
    return { ...d, text: undefined, textIds: ids, textWeights: weights };
  };
  for (const wide of [false, true]) {
    await t.step(wide ? "wide and deep" : "deep", async () => {
      const result = await fit(sparse(train), {
        config: {
          ...small,
          inputSizes: { text: 0 },
          sparseText: { buckets, dim: 8, maxTokens: width, wide },
        },
        validation: sparse(validation),
        epochs: 15,
        batchSize: 64,
        learningRate: 0.01,
        ngramDropout: 0.2,
        seed: 1,
      });
      const probs = await predict(result.model, sparse(validation));
      const auc = rocAuc(column(probs, 2, 1), column(validation.labels!, 2, 1));
      assert.ok(auc > 0.85, `AUC of the text tag is ${auc}`);
    });
  }
});
