import assert from "node:assert/strict";
import { settleBatch } from "./poison.ts";

const job = (retryCount: number) => ({
  id: "j1",
  queue: "infer" as const,
  data: { ids: ["a", "poison", "c"] },
  retryCount,
});

Deno.test("settleBatch() fails the first attempt whole, then sets the poison post aside and does the rest", async () => {
  const done: string[] = [], aside: string[] = [];
  const work = {
    run: (ids: string[]) => {
      if (ids.includes("poison")) return Promise.reject(new TypeError("cannot read this post"));
      done.push(...ids);
      return Promise.resolve();
    },
    setAside: (id: string, err: Error) => Promise.resolve(void aside.push(`${id}: ${err.message}`)),
    probe: () => Promise.resolve(),
  };
  const first = await settleBatch(job(0), work);
  assert.equal(first.status, "failed");
  assert.equal(first.output?.message, "cannot read this post");
  const retry = await settleBatch(job(1), work);
  assert.deepEqual(retry, { id: "j1", status: "completed", output: { posts: 3, set_aside: 1 } });
  assert.deepEqual(done, ["a", "c"]);
  assert.deepEqual(aside, ["poison: cannot read this post"]);
});

Deno.test("settleBatch() blames no post when the database is down: the job fails and is retried", async () => {
  const aside: string[] = [];
  const out = await settleBatch(job(1), {
    run: () => Promise.reject(new Error("connection refused")),
    setAside: (id) => Promise.resolve(void aside.push(id)),
    probe: () => Promise.reject(new Error("Cannot reach the database")),
  });
  assert.equal(out.status, "failed");
  assert.deepEqual(aside, []);
});
