import assert from "node:assert/strict";
import {
  applyMetadataTransform,
  applyMetadataTransformBatch,
  DEFAULT_METADATA_SPEC,
  featureNames,
  fitMetadataTransform,
  type MetadataRow,
  type MetadataSpec,
  type MetadataTransform,
  postMetadataRow,
} from "./metadata.ts";
import type { RawPost } from "@/ingest/mod.ts";

const SPEC: MetadataSpec = {
  scaling: "standard",
  minCount: 2,
  fields: [
    { name: "likes", kind: "numeric" },
    { name: "followers", kind: "numeric", log1p: true, scaling: "minmax" },
    { name: "device", kind: "categorical" },
    { name: "verified", kind: "boolean" },
    { name: "created_at", kind: "time" },
  ],
};

// likes observed 1, 3: mean 2, std 1, median 2.
// followers observed 0, 99, 9: log1p -> 0, ln 100, ln 10; min 0, spread ln 100; median 9 -> 0.5.
// device: iphone x2, android x2, web x1 (< minCount 2 -> unknown); mode on the tie: "android" (by name).
// verified: true, false, true -> mode 1.
const ROWS: MetadataRow[] = [
  { likes: 1, followers: 0, device: "iPhone", verified: true, created_at: "2024-01-07T06:00:00Z" }, // Sunday
  {
    likes: 3,
    followers: 99,
    device: "android",
    verified: false,
    created_at: new Date("2024-01-10T18:00:00Z"),
  },
  { likes: undefined, followers: 9, device: " IPHONE ", verified: true },
  { likes: NaN, followers: null, device: "web", verified: undefined },
  { likes: null, device: "Android", created_at: Date.UTC(2024, 0, 13, 12, 30) }, // Saturday 12:30
];

const NAMES = [
  "likes",
  "likes_missing",
  "followers",
  "followers_missing",
  "device=android",
  "device=iphone",
  "device=<unknown>",
  "verified",
  "verified_missing",
  "created_at_hour_sin",
  "created_at_hour_cos",
  "created_at_weekday_sin",
  "created_at_weekday_cos",
  "created_at_missing",
];

function assertClose(actual: Float32Array, expected: number[], message = ""): void {
  assert.equal(actual.length, expected.length, `length ${message}`);
  expected.forEach((e, i) => {
    assert.ok(Math.abs(actual[i] - e) < 1e-6, `${message} [${i}] ${NAMES[i] ?? i}: ${actual[i]} != ${e}`);
  });
}

Deno.test("fitMetadataTransform() names one column per value, flag and category, unknown last", () => {
  const t = fitMetadataTransform(ROWS, SPEC);
  assert.deepEqual(featureNames(t), NAMES);
  assert.equal(t.dim, NAMES.length);
  assert.equal(t.fittedRows, 5);
});

Deno.test("applyMetadataTransform() gives the hand-computed vectors", async (t) => {
  const tr = fitMetadataTransform(ROWS, SPEC);
  const w3 = (2 * Math.PI * 3) / 7;
  const w6 = (2 * Math.PI * 6) / 7;
  const h1230 = (2 * Math.PI * 12.5) / 24;
  const cases: [string, MetadataRow, number[]][] = [
    ["observed values, Sunday 06:00", ROWS[0], [-1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0]],
    ["observed values, Wednesday 18:00", ROWS[1], [
      1,
      0,
      1,
      0,
      1,
      0,
      0,
      0,
      0,
      -1,
      0,
      Math.sin(w3),
      Math.cos(w3),
      0,
    ]],
    ["NaN/null/undefined are imputed and flagged; a rare category is unknown", ROWS[3], [
      0,
      1,
      0.5,
      1,
      0,
      0,
      1,
      1,
      1,
      0,
      0,
      0,
      0,
      1,
    ]],
    ["an epoch-millisecond time, Saturday 12:30", ROWS[4], [
      0,
      1,
      0.5,
      1,
      1,
      0,
      0,
      1,
      1,
      Math.sin(h1230),
      Math.cos(h1230),
      Math.sin(w6),
      Math.cos(w6),
      0,
    ]],
    ["an unseen category goes to the unknown bucket; values past the range are not clipped", {
      likes: 5,
      followers: 9999,
      device: "BlackBerry",
      verified: false,
      created_at: "2024-01-07T00:00:00Z",
    }, [3, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0]],
    ["an empty row takes medians, the category mode and the boolean mode", {}, [
      0,
      1,
      0.5,
      1,
      1,
      0,
      0,
      1,
      1,
      0,
      0,
      0,
      0,
      1,
    ]],
  ];
  for (const [name, row, expected] of cases) {
    await t.step(name, () => assertClose(applyMetadataTransform(tr, row), expected, name));
  }
});

Deno.test("a transform read back from JSON gives identical vectors", () => {
  const t = fitMetadataTransform(ROWS, SPEC);
  const back = JSON.parse(JSON.stringify(t)) as MetadataTransform;
  assert.deepEqual(back, t);
  const probe: MetadataRow[] = [...ROWS, {}, { likes: 1e9, followers: 123456, device: "x", verified: 1 }];
  for (const r of probe) assert.deepEqual(applyMetadataTransform(back, r), applyMetadataTransform(t, r));
  assert.deepEqual(applyMetadataTransformBatch(back, probe), applyMetadataTransformBatch(t, probe));
});

Deno.test("applyMetadataTransformBatch() stacks the row vectors", () => {
  const t = fitMetadataTransform(ROWS, SPEC);
  const m = applyMetadataTransformBatch(t, ROWS);
  assert.equal(m.length, ROWS.length * t.dim);
  assert.deepEqual(m.slice(2 * t.dim, 3 * t.dim), applyMetadataTransform(t, ROWS[2]));
});

Deno.test("scaling 'none' keeps values, log1p clamps negatives to 0", () => {
  const t = fitMetadataTransform([{ a: 1 }, { a: 7 }, { a: -5 }], {
    fields: [{ name: "a", kind: "numeric", scaling: "none" }, { name: "b", kind: "numeric", log1p: true }],
  });
  // a: none -> raw; b: no observed value -> median 0, offset 0, spread 1.
  assertClose(applyMetadataTransform(t, { a: 7, b: -3 }), [7, 0, 0, 0]);
  assertClose(applyMetadataTransform(t, { b: Math.E - 1 }), [1, 1, 1, 0]);
});

Deno.test("a constant numeric field scales with spread 1 instead of dividing by zero", () => {
  const t = fitMetadataTransform([{ a: 4 }, { a: 4 }], { fields: [{ name: "a", kind: "numeric" }] });
  assertClose(applyMetadataTransform(t, { a: 6 }), [2, 0]);
});

Deno.test("categorical options: minCount, maxCategories and impute 'unknown'", () => {
  const rows = ["a", "a", "a", "b", "b", "c"].map((device) => ({ device }));
  const t = fitMetadataTransform(rows, {
    minCount: 1,
    fields: [{ name: "device", kind: "categorical", maxCategories: 2, impute: "unknown" }],
  });
  assert.deepEqual(featureNames(t), ["device=a", "device=b", "device=<unknown>"]);
  assertClose(applyMetadataTransform(t, { device: "c" }), [0, 0, 1]);
  assertClose(applyMetadataTransform(t, { device: "" }), [0, 0, 1]);
  assertClose(applyMetadataTransform(t, { device: "B" }), [0, 1, 0]);
  const mode = fitMetadataTransform(rows, { minCount: 3, fields: [{ name: "device", kind: "categorical" }] });
  assert.deepEqual(featureNames(mode), ["device=a", "device=<unknown>"]);
  assertClose(applyMetadataTransform(mode, {}), [1, 0]);
});

Deno.test("a boolean tie imputes false", () => {
  const t = fitMetadataTransform([{ v: true }, { v: false }, {}], {
    fields: [{ name: "v", kind: "boolean" }],
  });
  assertClose(applyMetadataTransform(t, {}), [0, 1]);
  assertClose(applyMetadataTransform(t, { v: 1 }), [1, 0]);
});

Deno.test("wrong value types, empty data and repeated fields throw clear errors", () => {
  const t = fitMetadataTransform(ROWS, SPEC);
  assert.throws(
    () => applyMetadataTransform(t, { likes: "12" }),
    { name: "TypeError", message: 'Cannot read numeric field "likes": got string "12"' },
  );
  assert.throws(
    () => applyMetadataTransform(t, { verified: "yes" }),
    /boolean field "verified": got string "yes"/,
  );
  assert.throws(
    () => applyMetadataTransform(t, { created_at: true }),
    /time field "created_at": got boolean/,
  );
  assert.throws(() => fitMetadataTransform([], SPEC), { name: "RangeError", message: /no rows/ });
  assert.throws(
    () =>
      fitMetadataTransform(ROWS, { fields: [{ name: "a", kind: "boolean" }, { name: "a", kind: "time" }] }),
    /field "a" declared twice/,
  );
  assert.throws(
    () => applyMetadataTransform({ ...t, version: 2 } as unknown as MetadataTransform, {}),
    /unsupported version "2"/,
  );
});

Deno.test("postMetadataRow() derives counts, account age at post time and the language subtag", () => {
  const post: RawPost = {
    platform: "mastodon",
    nativeId: "1",
    createdAt: new Date("2024-03-11T10:00:00Z"),
    text: "héllo 👋🏽",
    lang: "en-US",
    media: [{ kind: "image", path: "a.jpg" }, { kind: "video", path: "b.mp4" }, {
      kind: "image",
      path: "c.png",
    }],
    user: { followers: 10, verified: false, createdAt: new Date("2024-03-01T10:00:00Z") },
    device: "Android",
  };
  const row = postMetadataRow(post);
  assert.equal(row.account_age_days, 10);
  assert.equal(row.text_length, 8); // code points: h é l l o space 👋 🏽
  assert.equal(row.image_count, 2);
  assert.equal(row.video_count, 1);
  assert.equal(row.lang, "en");
  assert.equal(row.following, undefined);
  assert.equal(postMetadataRow({ ...post, lang: undefined }, { lang: "und" }).lang, undefined);
  assert.equal(postMetadataRow({ ...post, lang: undefined }, { lang: "pt" }).lang, "pt");
  const t = fitMetadataTransform([row, postMetadataRow({ ...post, user: {} })], DEFAULT_METADATA_SPEC);
  assert.equal(applyMetadataTransform(t, row).length, featureNames(t).length);
});
