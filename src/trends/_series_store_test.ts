import assert from "node:assert/strict";
import { patchSeries, type SeriesBody } from "./_series_store.ts";

const row = (
  period: string,
  posts: number,
  tags: Record<string, number>,
  probs: Record<string, number> = {},
) => ({
  period,
  posts,
  tags,
  probs,
});

const body: SeriesBody = {
  periods: ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05"],
  posts: [10, 20, 30, 50],
  tags: { "1": [1, 2, 3, 5], "2": [0, 4, 0, 0] },
  probs: { "1": [100, 200, 300, 500], "2": [0, 900, 0, 0] },
};

Deno.test("patchSeries() replaces the periods of its span and keeps the others in order", async (t) => {
  await t.step("a period changed, one gone, one new inside the span", () => {
    const got = patchSeries(body, "2026-03-02", "2026-03-04", [
      row("2026-03-04", 40, { "3": 7 }, { "3": 1500 }),
      row("2026-03-02", 21, { "1": 9 }, { "1": 250 }),
    ]);
    assert.deepEqual(got, {
      periods: ["2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05"],
      posts: [10, 21, 40, 50],
      tags: { "1": [1, 9, 0, 5], "3": [0, 0, 7, 0] }, // tag 2 has nothing left: dropped
      probs: { "1": [100, 250, 0, 500], "3": [0, 0, 1500, 0] },
    });
  });
  await t.step("a span before, after and around every period", () => {
    assert.deepEqual(patchSeries(body, "2026-02-01", "2026-02-28", [row("2026-02-10", 5, { "2": 1 })]), {
      periods: ["2026-02-10", ...body.periods],
      posts: [5, ...body.posts],
      tags: { "1": [0, 1, 2, 3, 5], "2": [1, 0, 4, 0, 0] },
      probs: { "1": [0, 100, 200, 300, 500], "2": [0, 0, 900, 0, 0] },
    });
    // A tag with probability mass and no tagged post keeps both arrays.
    assert.deepEqual(
      patchSeries(body, "2026-03-02", "2026-03-02", [row("2026-03-02", 20, {}, { "2": 5 })]).tags["2"],
      [
        0,
        0,
        0,
        0,
      ],
    );
    assert.deepEqual(patchSeries(body, "2026-04-01", "2026-04-01", []), body);
    assert.deepEqual(patchSeries(body, "2026-01-01", "2026-12-31", []), {
      periods: [],
      posts: [],
      tags: {},
      probs: {},
    });
  });
  await t.step("from nothing; rows without posts are left out", () => {
    assert.deepEqual(
      patchSeries(undefined, "2026-03-01", "2026-03-31", [
        row("2026-03-09", 0, {}),
        row("2026-03-02", 3, { "4": 1 }),
      ]),
      { periods: ["2026-03-02"], posts: [3], tags: { "4": [1] }, probs: { "4": [0] } },
    );
  });
});
