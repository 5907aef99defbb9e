import assert from "node:assert/strict";
import { join } from "node:path";
import { dbTest } from "../../tests/support/db.ts";
import { type Db, ensureTags, insertPosts, type PostRecord, startRun } from "@/store/mod.ts";
import {
  agreementByTag,
  annotatorAgreement,
  cohensKappa,
  importLabelCsv,
  recordLabels,
  removeAnnotatorLabels,
  unlabeledPosts,
} from "./label_queue.ts";

const T = true, F = false;

Deno.test("cohensKappa() matches hand-computed values", async (t) => {
  await t.step("20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po 0.7, pe 0.5, kappa 0.4", () => {
    const a = [...Array(25).fill(T), ...Array(25).fill(F)];
    const b = [...Array(20).fill(T), ...Array(5).fill(F), ...Array(10).fill(T), ...Array(15).fill(F)];
    assert.ok(Math.abs(cohensKappa(a, b) - 0.4) < 1e-12);
  });
  await t.step("8 of 10 agree with 4 yes each: (0.8 - 0.52) / 0.48", () => {
    const a = [T, T, F, F, T, F, F, F, T, F];
    const b = [T, F, F, F, T, F, T, F, T, F];
    assert.ok(Math.abs(cohensKappa(a, b) - 0.28 / 0.48) < 1e-12);
  });
  await t.step("perfect agreement is 1, perfect disagreement on balanced answers is -1", () => {
    assert.equal(cohensKappa([T, F, T], [T, F, T]), 1);
    assert.equal(cohensKappa([T, F], [F, T]), -1);
  });
  await t.step("undefined (NaN) when both always give the same one answer, or there are no items", () => {
    assert.ok(Number.isNaN(cohensKappa([F, F], [F, F])));
    assert.ok(Number.isNaN(cohensKappa([], [])));
  });
  await t.step("different lengths are refused", () => {
    assert.throws(() => cohensKappa([T], [T, F]), /rater lengths "1" and "2" differ/);
  });
});

Deno.test("agreementByTag() compares only posts both annotators labeled, unchosen tags counting as no", () => {
  const l = (postId: string, tag: string, annotator: string, value = true) => ({
    postId,
    tag,
    annotator,
    value,
  });
  const rows = agreementByTag([
    l("p1", "cats", "ann"),
    l("p1", "cats", "bob"),
    l("p2", "dogs", "ann"),
    l("p2", "cats", "bob"),
    l("p3", "cats", "ann", false),
    l("p3", "dogs", "bob", false),
    l("p4", "cats", "ann"), // bob never saw p4: left out
    l("p1", "cats", "source"), // other annotators are ignored
  ], ["ann", "bob"]);
  // cats: ann [T,F,F], bob [T,T,F]: po 2/3, pe 1/3*2/3 + 2/3*1/3 = 4/9, kappa (2/3-4/9)/(5/9) = 0.4
  // dogs: ann [F,T,F], bob [F,F,F]: po 2/3, pe 2/3, kappa 0
  assert.deepEqual(rows.map((r) => [r.tag, r.posts, r.yesA, r.yesB]), [["cats", 3, 1, 2], ["dogs", 3, 1, 0]]);
  assert.ok(Math.abs(rows[0].kappa - 0.4) < 1e-12);
  assert.ok(Math.abs(rows[0].observed - 2 / 3) < 1e-12);
  assert.ok(Math.abs(rows[1].kappa) < 1e-12);
  assert.throws(() => agreementByTag([], ["ann", "ann"]), /both are "ann"/);
});

function post(id: string, labels: PostRecord["labels"] = []): PostRecord {
  return {
    id,
    platform: "sample",
    source: "test",
    createdAt: new Date("2026-03-01T00:00:00Z"),
    doc: { text: `post ${id}` },
    contentHash: `h-${id}`,
    media: [],
    labels,
  };
}

async function predict(db: Db, runId: string, startedAt: string, rows: [string, string, number, boolean][]) {
  await startRun(db, "infer", { id: runId });
  await db.query("update runs set started_at = $2 where id = $1", [runId, startedAt]);
  const ids = await ensureTags(db, [...new Set(rows.map((r) => r[1]))]);
  for (const [postId, tag, p, predicted] of rows) {
    await db.query(
      `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
       values ($1, $2, $3, $4, $5, 'm1')`,
      [runId, postId, ids.get(tag), p, predicted],
    );
  }
}

dbTest("unlabeledPosts() returns unlabeled posts with the latest run's predicted tags", async (db) => {
  await insertPosts(db, [post("a", [{ tag: "cats", annotator: "source" }]), post("b"), post("c")]);
  await predict(db, "infer-old", "2026-03-01T00:00:00Z", [["b", "dogs", 0.9, true]]);
  await predict(db, "infer-new", "2026-03-02T00:00:00Z", [
    ["b", "cats", 0.6, true],
    ["b", "birds", 0.8, true],
    ["b", "dogs", 0.2, false],
  ]);
  const items = await unlabeledPosts(db, { limit: 10 });
  assert.deepEqual(items.map((i) => i.post.id).sort(), ["b", "c"]);
  const b = items.find((i) => i.post.id === "b")!;
  assert.deepEqual(b.suggestions.map((s) => s.tag), ["birds", "cats"]);
  assert.ok(Math.abs(b.suggestions[0].probability - 0.8) < 1e-6);
  assert.deepEqual(items.find((i) => i.post.id === "c")!.suggestions, []);
  assert.equal((await unlabeledPosts(db, { limit: 1 })).length, 1);
  // The order is stable for a seed.
  assert.deepEqual(
    (await unlabeledPosts(db, { seed: "x" })).map((i) => i.post.id),
    (await unlabeledPosts(db, { seed: "x" })).map((i) => i.post.id),
  );
});

dbTest("recordLabels() stores decisions with annotator and time, and refuses unknown posts", async (db) => {
  await insertPosts(db, [post("a"), post("b")]);
  const at = new Date("2026-04-01T10:00:00Z");
  const n = await recordLabels(db, {
    annotator: "ann",
    labeledAt: at,
    decisions: [{ postId: "a", tag: "cats" }, { postId: "b", tag: "cats", value: false }],
  });
  assert.equal(n, 2);
  assert.equal(await recordLabels(db, { annotator: "ann", decisions: [{ postId: "a", tag: "cats" }] }), 0);
  const rows = await db.query<{ post_id: string; annotator: string; value: boolean; labeled_at: Date }>(
    "select post_id, annotator, value, labeled_at from labels order by post_id",
  );
  assert.deepEqual(rows.map((r) => [r.post_id, r.annotator, r.value]), [["a", "ann", true], [
    "b",
    "ann",
    false,
  ]]);
  assert.equal(new Date(rows[0].labeled_at).toISOString(), at.toISOString());
  await assert.rejects(
    recordLabels(db, { annotator: "ann", decisions: [{ postId: "zz", tag: "cats" }] }),
    /post "zz" is not in the store/,
  );
  assert.equal((await unlabeledPosts(db)).length, 0);
});

dbTest("importLabelCsv() stores good rows, counts duplicates and lists bad ones", async (db) => {
  await insertPosts(db, [post("a"), post("b")]);
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "labels.csv");
    await Deno.writeTextFile(
      path,
      [
        "post_id,tag,annotator,value,labeled_at",
        "a,cats,bob,1,2026-04-02T00:00:00Z",
        "a,cats,bob,1,",
        "b,dogs,bob,no,",
        "zz,cats,bob,1,",
        "b,cats,bob,maybe,",
        ",cats,bob,,",
      ].join("\n") + "\n",
    );
    const s = await importLabelCsv(db, path);
    assert.deepEqual([s.read, s.stored, s.duplicates], [6, 2, 1]);
    assert.equal(s.rejected.length, 3);
    assert.match(s.rejected.join("\n"), /labels\.csv:5: post "zz" is not in the store/);
    assert.match(s.rejected.join("\n"), /labels\.csv:6: value "maybe" is not a boolean/);
    const agreement = await annotatorAgreement(db, ["bob", "source"]);
    assert.deepEqual(agreement.map((r) => r.posts), [0, 0]);
    await Deno.writeTextFile(path, "post,tag\na,cats\n");
    await assert.rejects(importLabelCsv(db, path), /header lacks column "post_id"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

dbTest("annotatorAgreement() reads two annotators' labels from the store", async (db) => {
  await insertPosts(db, [post("p1"), post("p2"), post("p3")]);
  await recordLabels(db, {
    annotator: "ann",
    decisions: [{ postId: "p1", tag: "cats" }, { postId: "p2", tag: "dogs" }, {
      postId: "p3",
      tag: "cats",
      value: false,
    }],
  });
  await recordLabels(db, {
    annotator: "bob",
    decisions: [{ postId: "p1", tag: "cats" }, { postId: "p2", tag: "cats" }, {
      postId: "p3",
      tag: "dogs",
      value: false,
    }],
  });
  const rows = await annotatorAgreement(db, ["ann", "bob"]);
  assert.deepEqual(rows.map((r) => r.tag), ["cats", "dogs"]);
  assert.ok(Math.abs(rows[0].kappa - 0.4) < 1e-12);
  assert.ok(Math.abs(rows[1].kappa) < 1e-12);
});

dbTest("removeAnnotatorLabels() removes one annotator's labels and keeps the others", async (db) => {
  await insertPosts(db, [post("p1", [{ tag: "cats", annotator: "source" }]), post("p2")]);
  await recordLabels(db, {
    annotator: "ann",
    decisions: [{ postId: "p1", tag: "dogs" }, { postId: "p2", tag: "cats" }],
  });
  await recordLabels(db, { annotator: "bob", decisions: [{ postId: "p2", tag: "cats" }] });
  assert.equal(await removeAnnotatorLabels(db, "ann"), 2);
  const rows = await db.query<{ post_id: string; annotator: string }>(
    "select post_id, annotator from labels order by post_id, annotator",
  );
  assert.deepEqual(rows.map((r) => [r.post_id, r.annotator]), [["p1", "source"], ["p2", "bob"]]);
  await assert.rejects(removeAnnotatorLabels(db, "source"), /annotator "source"/);
});
