import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "@/store/mod.ts";
import { insertPosts, type PostRecord } from "@/store/mod.ts";
import { startRun } from "@/store/mod.ts";
import { ensureTags } from "@/store/mod.ts";
import { nextAssignment, PostTakenError, skipPost, submitAnswer } from "./assignments.ts";
import { queueCandidates } from "./queues.ts";

const VOCAB = ["birds", "cats", "dogs"];

function post(id: string, lang: string, labels: PostRecord["labels"] = []): PostRecord {
  return {
    id,
    platform: "sample",
    source: "test",
    createdAt: new Date("2026-03-01T00:00:00Z"),
    doc: { text: `post ${id}`, lang },
    contentHash: `h-${id}`,
    media: [],
    labels,
  };
}

/** Posts e1-e4 (English), d1-d2 (German), u1 (never scored), l1 (labeled); one inference run. */
async function world(db: Db) {
  await insertPosts(db, [
    post("e1", "en"),
    post("e2", "en"),
    post("e3", "en"),
    post("e4", "en"),
    post("d1", "de"),
    post("d2", "de"),
    post("u1", "en"),
    post("l1", "en", [{ tag: "cats", annotator: "source" }]),
  ]);
  const ids = await ensureTags(db, VOCAB);
  await startRun(db, "infer", { id: "infer-1" });
  // [post, cats, dogs, birds]; thresholds cats 0.3, dogs 0.5, birds 0.5.
  const probs: [string, number, number, number][] = [
    ["e1", 0.31, 0.05, 0.02], // cats right on its threshold: most uncertain
    ["e2", 0.9, 0.05, 0.02], // sure
    ["e3", 0.29, 0.1, 0.02], // cats near the threshold too
    ["e4", 0.01, 0.45, 0.02], // dogs near 0.5
    ["d1", 0.32, 0.05, 0.02], // cats, German
    ["d2", 0.02, 0.02, 0.97], // sure
    ["l1", 0.3, 0.3, 0.3], // labeled already: never in the queue
  ];
  for (const [postId, ...ps] of probs) {
    for (const [i, tag] of ["cats", "dogs", "birds"].entries()) {
      await db.query(
        `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
         values ('infer-1', $1, $2, $3, $4, 'm1')`,
        [postId, ids.get(tag), ps[i], ps[i] >= (tag === "cats" ? 0.3 : 0.5)],
      );
    }
  }
}

const thresholds = { cats: 0.3, dogs: 0.5, birds: 0.5 };

dbTest(
  "the uncertain queue puts posts nearest a threshold first, one per tag and language in turn",
  async (db) => {
    await world(db);
    const c = await queueCandidates(db, "ann", "uncertain", { thresholds });
    // Rank 1 of each (tag, language) group first: e1 (cats/en), d1 (cats/de), e4 (dogs/en), then e3 ...
    assert.deepEqual(c.slice(0, 3).map((x) => x.postId).sort(), ["d1", "e1", "e4"]);
    assert.equal(c[0].postId, "e1");
    assert.deepEqual(c[0].tags, ["cats"]);
    assert.ok(c[0].uncertainty! > 0.95);
    assert.equal(c[3].postId, "e3", "the second cats/en post comes after every group's first");
    // The sure posts last among the scored; the unscored post after them; the labeled one never.
    assert.deepEqual(c.map((x) => x.postId).slice(-1), ["u1"]);
    assert.equal(c.at(-1)!.uncertainty, null);
    assert.ok(!c.some((x) => x.postId === "l1"));
    // Without thresholds 0.5 is assumed: e4 (dogs 0.45) is then the most uncertain.
    assert.equal((await queueCandidates(db, "ann", "uncertain"))[0].postId, "e4");
  },
);

dbTest("two annotators are never given the same post at once, even racing", async (db) => {
  await world(db);
  const [a, b] = await Promise.all([
    nextAssignment(db, "ann", "uncertain", { thresholds }),
    nextAssignment(db, "bob", "uncertain", { thresholds }),
  ]);
  assert.ok(a && b);
  assert.notEqual(a.postId, b.postId);
  // A reload gives each the post they hold.
  assert.equal((await nextAssignment(db, "ann", "uncertain", { thresholds }))!.postId, a.postId);
  // Six free posts for six annotators, then the queue is empty for a seventh and an eighth.
  const more = await Promise.all(["cy", "di", "ed", "fa", "gu"].map((n) => nextAssignment(db, n, "random")));
  const held = [a, b, ...more].map((x) => x?.postId);
  assert.equal(new Set(held).size, 7);
  assert.equal(await nextAssignment(db, "hal", "random"), undefined);
  // A lease that ran out frees its post.
  await db.query(
    "update label_assignments set expires_at = now() - interval '1 second' where annotator = 'ann'",
  );
  assert.equal((await nextAssignment(db, "hal", "uncertain", { thresholds }))!.postId, a.postId);
  await assert.rejects(
    submitAnswer(db, { annotator: "ann", postId: a.postId, queue: "uncertain", tags: [], vocabulary: VOCAB }),
    PostTakenError,
  );
});

dbTest(
  "an answer writes a true or false label per tag shown, with the annotator, the time and the queue",
  async (db) => {
    await world(db);
    const a = (await nextAssignment(db, "ann", "uncertain", { thresholds }))!;
    const at = new Date("2026-06-01T12:00:00Z");
    const n = await submitAnswer(db, {
      annotator: "ann",
      postId: a.postId,
      queue: "uncertain",
      tags: ["cats"],
      vocabulary: VOCAB,
      labeledAt: at,
    });
    assert.equal(n, 3);
    const rows = await db.query<{ tag: string; value: boolean; source: string; labeled_at: Date }>(
      `select t.name as tag, l.value, l.source, l.labeled_at from labels l join tags t on t.id = l.tag_id
     where l.post_id = $1 and l.annotator = 'ann' order by 1`,
      [a.postId],
    );
    assert.deepEqual(rows.map((r) => [r.tag, r.value, r.source]), [
      ["birds", false, "label-page:uncertain"],
      ["cats", true, "label-page:uncertain"],
      ["dogs", false, "label-page:uncertain"],
    ]);
    assert.equal(new Date(rows[0].labeled_at).toISOString(), at.toISOString());
    // The post has left the unlabeled queues, for everyone; the next post is another one.
    assert.ok(!(await queueCandidates(db, "bob", "random")).some((c) => c.postId === a.postId));
    assert.notEqual((await nextAssignment(db, "ann", "uncertain", { thresholds }))!.postId, a.postId);
    await assert.rejects(
      submitAnswer(db, {
        annotator: "ann",
        postId: "e2",
        queue: "uncertain",
        tags: ["unicorns"],
        vocabulary: VOCAB,
      }),
      /tag "unicorns" is not in the vocabulary/,
    );
    await assert.rejects(
      submitAnswer(db, { annotator: "ann", postId: "nope", queue: "random", tags: [], vocabulary: VOCAB }),
      /post "nope" is not in the store/,
    );
  },
);

dbTest("a skipped post is not shown to that annotator again, but others still get it", async (db) => {
  await world(db);
  const a = (await nextAssignment(db, "ann", "random"))!;
  await skipPost(db, "ann", a.postId, "random");
  const seen = new Set<string>();
  for (let p = await nextAssignment(db, "ann", "random"); p; p = await nextAssignment(db, "ann", "random")) {
    seen.add(p.postId);
    await skipPost(db, "ann", p.postId, "random");
  }
  assert.ok(!seen.has(a.postId));
  assert.equal(seen.size, 6, "every other unlabeled post once");
  assert.ok((await queueCandidates(db, "bob", "random")).some((c) => c.postId === a.postId));
});

dbTest("the second-opinion and disagreement queues serve posts other people labeled", async (db) => {
  await world(db);
  await submitAnswer(db, {
    annotator: "ann",
    postId: "e1",
    queue: "uncertain",
    tags: ["cats"],
    vocabulary: VOCAB,
  });
  await submitAnswer(db, {
    annotator: "ann",
    postId: "e2",
    queue: "uncertain",
    tags: ["cats"],
    vocabulary: VOCAB,
  });
  // Bob is asked for a second opinion on Ann's posts; Ann is not asked about her own.
  assert.deepEqual((await queueCandidates(db, "bob", "second-opinion")).map((c) => c.postId).sort(), [
    "e1",
    "e2",
  ]);
  assert.deepEqual(await queueCandidates(db, "ann", "second-opinion"), []);
  // Bob agrees on e1 and disagrees on e2 (dogs, not cats).
  await submitAnswer(db, {
    annotator: "bob",
    postId: "e1",
    queue: "second-opinion",
    tags: ["cats"],
    vocabulary: VOCAB,
  });
  await submitAnswer(db, {
    annotator: "bob",
    postId: "e2",
    queue: "second-opinion",
    tags: ["dogs"],
    vocabulary: VOCAB,
  });
  const d = await queueCandidates(db, "cy", "disagreement");
  assert.deepEqual(d.map((c) => [c.postId, c.tags]), [["e2", ["cats", "dogs"]]]);
  assert.deepEqual(await queueCandidates(db, "ann", "disagreement"), [], "Ann already answered e2");
});
