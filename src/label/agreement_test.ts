import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { insertLabels, insertPosts, type PostRecord } from "@/store/mod.ts";
import {
  agreementByTag,
  annotatorAgreement,
  cohensKappa,
  labelsPerDay,
  pairwiseAgreement,
  tagCoverage,
} from "./agreement.ts";

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

const says = (annotator: string, postId: string, tag: string, value = true, at = "2026-05-02T10:00:00Z") => ({
  postId,
  tag,
  annotator,
  value,
  source: "test",
  labeledAt: new Date(at),
});

dbTest("annotatorAgreement() reads two annotators' labels from the store", async (db) => {
  await insertPosts(db, [post("p1"), post("p2"), post("p3")]);
  await insertLabels(db, [
    says("ann", "p1", "cats"),
    says("ann", "p2", "dogs"),
    says("ann", "p3", "cats", false),
    says("bob", "p1", "cats"),
    says("bob", "p2", "cats"),
    says("bob", "p3", "dogs", false),
  ]);
  const rows = await annotatorAgreement(db, ["ann", "bob"]);
  assert.deepEqual(rows.map((r) => r.tag), ["cats", "dogs"]);
  assert.ok(Math.abs(rows[0].kappa - 0.4) < 1e-12);
  assert.ok(Math.abs(rows[1].kappa) < 1e-12);
});

dbTest(
  "pairwiseAgreement() pairs every two people with shared posts and leaves the data's labels out",
  async (db) => {
    await insertPosts(db, [post("p1", [{ tag: "cats", annotator: "source" }]), post("p2"), post("p3")]);
    await insertLabels(db, [
      says("ann", "p1", "cats"),
      says("bob", "p1", "cats"),
      says("ann", "p2", "dogs"),
      says("bob", "p2", "cats"),
      says("cy", "p3", "dogs"), // shares no post with anyone
    ]);
    const pairs = await pairwiseAgreement(db);
    assert.deepEqual(pairs.map((p) => [p.annotators, p.posts]), [[["ann", "bob"], 2]]);
    // cats: ann [T,F], bob [T,T]: po 1/2, pe 1/2*1 + 1/2*0 = 1/2: kappa 0
    assert.deepEqual(pairs[0].tags.map((t) => [t.tag, t.yesA, t.yesB]), [["cats", 1, 2], ["dogs", 1, 0]]);
    assert.equal(pairs[0].tags[0].kappa, 0);
    assert.deepEqual(await pairwiseAgreement(db, { minPosts: 3 }), []);
  },
);

dbTest("labelsPerDay() counts the posts each person answered per UTC day", async (db) => {
  await insertPosts(db, [post("p1", [{ tag: "cats", annotator: "source" }]), post("p2"), post("p3")]);
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const yesterday = new Date(now.getTime() - 86_400_000).toISOString();
  await insertLabels(db, [
    says("ann", "p1", "cats", true, now.toISOString()),
    says("ann", "p1", "dogs", false, now.toISOString()),
    says("ann", "p2", "cats", false, now.toISOString()), // "none of these"
    says("bob", "p3", "dogs", true, yesterday),
    says("bob", "p2", "dogs", true, "2020-01-01T00:00:00Z"), // outside the 30 days
  ]);
  const rows = await labelsPerDay(db);
  assert.deepEqual(rows, [
    { annotator: "ann", day: today, posts: 2, tagged: 1 },
    { annotator: "bob", day: yesterday.slice(0, 10), posts: 1, tagged: 1 },
  ]);
});

dbTest("tagCoverage() counts labeled posts per tag against what training needs", async (db) => {
  await insertPosts(db, [
    post("p1", [{ tag: "cats", annotator: "source" }]),
    post("p2", [{ tag: "cats", annotator: "source" }]),
    post("p3"),
  ]);
  await insertLabels(db, [
    says("ann", "p3", "cats"),
    says("ann", "p3", "dogs", false),
    says("bob", "p3", "cats"),
  ]);
  const rows = await tagCoverage(db, 3);
  assert.deepEqual(rows, [
    { tag: "dogs", posts: 0, byPeople: 0, needed: 3, missing: 3 },
    { tag: "cats", posts: 3, byPeople: 1, needed: 3, missing: 0 },
  ]);
});
