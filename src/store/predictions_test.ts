import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import type { Db } from "./db.ts";

const COLUMNS = ["run_id", "post_id", "tag_id", "probability", "predicted", "model_version"];

/** Two posts, two runs, two tags, and predictions of run r1 for both posts. */
async function world(db: Db) {
  await db.exec(`
    insert into posts (id, platform, source, created_at, doc, content_hash)
      values ('p1', 'x', 't', now(), '{}', 'h1'), ('p2', 'x', 't', now(), '{}', 'h2');
    insert into runs (id, kind) values ('r1', 'infer'), ('r2', 'infer');
    insert into tags (name) values ('a'), ('b');`);
  const tags = (await db.query<{ id: number }>("select id from tags order by name")).map((r) => r.id);
  await db.query(
    `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
     select 'r1', p, t, 0.5, true, 'm' from unnest(array['p1', 'p2']) p, unnest($1::int[]) t`,
    [tags],
  );
  const count = async (where = "true") =>
    (await db.query<{ n: number }>(`select count(*)::int as n from predictions where ${where}`))[0].n;
  return { tags, count };
}

dbTest("predictions must name an existing run, post and tag (checked once per statement)", async (db) => {
  const { tags, count } = await world(db);
  const insert = (run: string, post: string, tag: number) =>
    db.query(
      `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
       values ($1, $2, $3, 0.1, false, 'm')`,
      [run, post, tag],
    );
  await assert.rejects(() => insert("r2", "nope", tags[0]), /post "nope" does not exist/);
  await assert.rejects(() => insert("nope", "p1", tags[0]), /run "nope" does not exist/);
  await assert.rejects(() => insert("r2", "p1", 999_999), /tag "999999" does not exist/);
  await assert.rejects(
    () => db.query("update predictions set post_id = 'nope' where post_id = 'p1'"),
    /post "nope" does not exist/,
  );
  await insert("r2", "p1", tags[0]);
  assert.equal(await count(), 5);
});

dbTest("deleting a post or a run deletes its predictions; a tag with predictions stays", async (db) => {
  const { tags, count } = await world(db);
  await db.query("delete from posts where id = 'p1'");
  assert.equal(await count("post_id = 'p1'"), 0);
  assert.equal(await count(), 2);
  await assert.rejects(() => db.query("delete from tags where id = $1", [tags[1]]), /has predictions/);
  await db.query("delete from runs where id = 'r1'");
  assert.equal(await count(), 0);
  await db.query("delete from tags where id = $1", [tags[1]]); // no predictions left: allowed
});

dbTest("truncating posts empties predictions too", async (db) => {
  const { count } = await world(db);
  await db.exec("truncate posts cascade");
  assert.equal(await count(), 0);
});

dbTest(
  "truncating posts and predictions in one statement works (the trigger does not truncate twice)",
  async (db) => {
    const { count } = await world(db);
    await db.exec("truncate predictions, posts cascade");
    assert.equal(await count(), 0);
    await db.exec("delete from runs; delete from tags");
    await world(db);
    await db.transaction((tx) => tx.exec("truncate posts, predictions, runs cascade"));
    assert.equal(await count(), 0);
  },
);

dbTest("copyRows() streams rows with any text into a table where the engine has COPY", async (db, engine) => {
  if (engine === "pglite") {
    assert.equal(db.copyRows, undefined); // PGlite writes through insert
    return;
  }
  await db.exec("create table t (id int primary key, s text, x real, b boolean)");
  const odd = "tab\there, line\nbreak, back\\slash, \\N, carriage\rreturn, ünïcödé";
  const n = await db.transaction((tx) =>
    tx.copyRows!("t", ["id", "s", "x", "b"], [[1, odd, 0.30000001192092896, true], [2, null, 1, false]])
  );
  assert.equal(n, 2);
  const rows = await db.query<{ id: number; s: string | null; x: number; b: boolean }>(
    "select id, s, x::float8 as x, b from t order by id", // float8: the real exactly,
  );
  assert.deepEqual(rows, [{ id: 1, s: odd, x: Math.fround(0.3), b: true }, {
    id: 2,
    s: null,
    x: 1,
    b: false,
  }]);
});

dbTest("copyRows() fails on a duplicate key, says so, and leaves nothing behind", async (db, engine) => {
  if (engine === "pglite") return;
  const { tags, count } = await world(db);
  const rows = [["r2", "p1", tags[0], 0.2, false, "m"], ["r1", "p2", tags[1], 0.9, true, "m"]];
  await assert.rejects(
    () => db.transaction((tx) => tx.copyRows!("predictions", COLUMNS, rows)),
    /Cannot copy 2 rows into "predictions": the server rejected them/,
  );
  await assert.rejects(
    () => db.copyRows!("predictions", COLUMNS, [["r2", "nope", tags[0], 0.2, false, "m"]]),
    /Cannot copy 1 rows/,
  );
  assert.equal(await count(), 4);
  assert.equal(await db.copyRows!("predictions", COLUMNS, rows.slice(0, 1)), 1); // the connection goes on
  assert.equal(await count(), 5);
});
