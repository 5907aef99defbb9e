import assert from "node:assert/strict";
import { applyPlatt } from "./calibration.ts";
import {
  blendScores,
  loadTagger,
  saveTagger,
  taggerDecisions,
  type TaggerParts,
  taggerProbabilities,
} from "./tagger.ts";

const parts = (): TaggerParts => {
  const weights = new Float32Array(10 * 2);
  weights[3 * 2 + 0] = 2; // feature 3 -> tag 0
  weights[7 * 2 + 1] = -1.5; // feature 7 -> against tag 1
  return {
    meta: {
      format: "tagger",
      version: 1,
      blend: { network: 0.25 },
      calibration: [{ a: 1.2, b: -0.3 }, { a: 0.8, b: 0.1 }],
      rules: [{ rule: "threshold", threshold: 0.5 }, { rule: "top-k", k: 1, threshold: 0.2 }],
      linear: { dim: 10, labels: 2, columns: 0, C: 4 },
    },
    linear: { dim: 10, labels: 2, weights, bias: Float64Array.of(-0.5, 0.25) },
  };
};

Deno.test("blendScores() mixes log-odds by the network's weight", () => {
  const net = { data: Float32Array.of(0.8), rows: 1, cols: 1 },
    lin = { data: Float32Array.of(0.2), rows: 1, cols: 1 };
  assert.ok(Math.abs(blendScores(net, lin, 0.5).data[0] - 0.5) < 1e-6);
  assert.ok(Math.abs(blendScores(net, lin, 0).data[0] - 0.2) < 1e-6);
  assert.equal(blendScores(net, null, 0).data[0], net.data[0]);
});

Deno.test("saveTagger() and loadTagger() keep what the tagger decides", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = parts();
    await saveTagger(dir, p);
    const back = (await loadTagger(dir))!;
    assert.equal(back.meta.linear!.columns, 2, "only the used columns are stored");
    assert.deepEqual(back.linear!.weights, p.linear!.weights);
    const network = { data: Float32Array.of(0.6, 0.4, 0.1, 0.9), rows: 2, cols: 2 };
    const vectors = [
      { indices: Int32Array.of(3), values: Float32Array.of(1) },
      { indices: Int32Array.of(7), values: Float32Array.of(1) },
    ];
    const a = taggerProbabilities(p, network, vectors), b = taggerProbabilities(back, network, vectors);
    assert.deepEqual(a, b);
    // by hand for post 0, tag 0: linear sigmoid(2 - 0.5), network 0.6, then Platt
    const lin = 1 / (1 + Math.exp(-1.5));
    const z = 0.75 * Math.log(lin / (1 - lin)) + 0.25 * Math.log(0.6 / 0.4);
    assert.ok(Math.abs(a.data[0] - applyPlatt({ a: 1.2, b: -0.3 }, 1 / (1 + Math.exp(-z)))) < 1e-6);
    assert.deepEqual(taggerDecisions(back, a), taggerDecisions(p, a));
    assert.equal(await loadTagger(await Deno.makeTempDir()), undefined, "a folder from before the tagger");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
