import assert from "node:assert/strict";
import { assignFolds, duplicateKey, foldRows } from "./folds.ts";

Deno.test("assignFolds() spreads every tag over the folds, rare tags included", () => {
  // 100 posts: tag 0 on every other post, tag 1 on 10 posts, tag 2 on 5
  const items = Array.from({ length: 100 }, (_, i) => ({
    tags: [...(i % 2 === 0 ? [0] : []), ...(i % 10 === 3 ? [1] : []), ...(i % 20 === 7 ? [2] : [])],
    text: `post number ${i} says ${"abcdefghij"[i % 10]}${"klmnopqrst"[Math.floor(i / 10)]}`,
  }));
  const folds = assignFolds(items, { k: 5, seed: 1 });
  assert.equal(folds.method, "stratified");
  for (let f = 0; f < 5; f++) {
    const { fit, held } = foldRows(folds, f);
    assert.equal(fit.length + held.length, 100);
    assert.equal(held.length, 20, `fold ${f} size`);
    const count = (t: number) => held.filter((i) => items[i].tags.includes(t)).length;
    assert.equal(count(0), 10, `fold ${f}: tag 0`);
    assert.equal(count(1), 2, `fold ${f}: tag 1`);
    assert.equal(count(2), 1, `fold ${f}: tag 2`);
  }
  assert.deepEqual(assignFolds(items, { k: 5, seed: 1 }).fold, folds.fold, "same seed, same folds");
});

Deno.test("assignFolds() keeps near-duplicates in one fold", () => {
  const items = Array.from(
    { length: 40 },
    (_, i) => ({ tags: [i % 2], text: `original text ${i} ${"xyz"[i % 3]}` }),
  );
  items[3].text = "Great game tonight!! https://t.co/abc";
  items[17].text = "great game tonight https://example.org/x @someone";
  items[29].text = "GREAT GAME TONIGHT 2";
  const folds = assignFolds(items, { k: 4, seed: 2 });
  assert.equal(folds.fold[3], folds.fold[17]);
  assert.equal(folds.fold[3], folds.fold[29]);
  assert.ok(folds.duplicates >= 3);
  assert.equal(duplicateKey("Great game tonight!! https://t.co/abc"), "great game tonight");
});

Deno.test("assignFolds() blocks posts by time when they carry distinct times", () => {
  const day = 86_400_000;
  // given in shuffled order: fold membership must follow time, not position
  const items = Array.from({ length: 50 }, (_, i) => ({ tags: [i % 3], time: ((i * 37) % 50) * day }));
  const folds = assignFolds(items, { k: 5 });
  assert.equal(folds.method, "time");
  for (let f = 0; f < 5; f++) {
    const times = foldRows(folds, f).held.map((i) => items[i].time);
    assert.equal(times.length, 10);
    assert.equal(Math.min(...times), f * 10 * day);
    assert.equal(Math.max(...times), (f * 10 + 9) * day);
  }
  // one placeholder time for all (a data set without dates) is not a time order
  const same = items.map((it) => ({ ...it, time: 0 }));
  assert.equal(assignFolds(same, { k: 5 }).method, "stratified");
});

Deno.test("assignFolds() refuses more folds than posts", () => {
  assert.throws(() => assignFolds([{ tags: [0] }, { tags: [1] }], { k: 3 }), /"3" folds of 2 posts/);
});
