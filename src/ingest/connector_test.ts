import assert from "node:assert/strict";
import { defaultSince, fileCursorStore, isSkippedItem, parseConnectorSpec } from "./connector.ts";

Deno.test("parseConnectorSpec() reads mastodon and bluesky sources", async (t) => {
  const cases: [string, ReturnType<typeof parseConnectorSpec>][] = [
    ["mastodon:mastodon.social#photography", {
      platform: "mastodon",
      instance: "mastodon.social",
      hashtag: "photography",
    }],
    ["mastodon:Fosstodon.org@109283", {
      platform: "mastodon",
      instance: "fosstodon.org",
      accountId: "109283",
    }],
    ["mastodon:https://m.example/#café", { platform: "mastodon", instance: "m.example", hashtag: "café" }],
    ["mastodon:http://127.0.0.1:3000#cats", {
      platform: "mastodon",
      instance: "http://127.0.0.1:3000",
      hashtag: "cats",
    }],
    ["bluesky:street photography", { platform: "bluesky", query: "street photography" }],
    ["bluesky:#photography lang:en", { platform: "bluesky", query: "#photography lang:en" }],
    ["bluesky:@ana.bsky.social", { platform: "bluesky", actor: "ana.bsky.social" }],
    ["bluesky:@did:plc:z72i7hdynmk6r22z27h6tvur", {
      platform: "bluesky",
      actor: "did:plc:z72i7hdynmk6r22z27h6tvur",
    }],
    ["sample", undefined],
    ["jsonl:data/raw/posts.jsonl", undefined],
  ];
  for (const [spec, parsed] of cases) {
    await t.step(spec, () => assert.deepEqual(parseConnectorSpec(spec), parsed));
  }
});

Deno.test("parseConnectorSpec() rejects malformed specs, naming the spec", async (t) => {
  const cases: [string, string][] = [
    [
      "mastodon:mastodon.social",
      `Cannot parse source "mastodon:mastodon.social": expected "mastodon:INSTANCE#TAG"`,
    ],
    [
      "mastodon:m.example#two words",
      `Cannot parse source "mastodon:m.example#two words": invalid hashtag "two words"`,
    ],
    [
      "mastodon:m.example@ana",
      `Cannot parse source "mastodon:m.example@ana": account id must be numeric, got "ana"`,
    ],
    ["bluesky:", `Cannot parse source "bluesky:": expected "bluesky:QUERY" or "bluesky:@HANDLE"`],
    [
      "bluesky:@not a handle",
      `Cannot parse source "bluesky:@not a handle": invalid handle or DID "not a handle"`,
    ],
  ];
  for (const [spec, message] of cases) {
    await t.step(spec, () => {
      assert.throws(
        () => parseConnectorSpec(spec),
        (e: Error) => e instanceof TypeError && e.message.startsWith(message),
      );
    });
  }
});

Deno.test("fileCursorStore() persists cursors atomically across instances", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/state/cursors.json`;
    const store = fileCursorStore(path);
    assert.equal(await store.get("a"), undefined);
    await Promise.all([store.set("a", "1"), store.set("b", "2"), store.set("a", "3")]);
    assert.equal(await store.get("a"), "3");

    const reopened = fileCursorStore(path);
    assert.equal(await reopened.get("a"), "3");
    assert.equal(await reopened.get("b"), "2");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { a: "3", b: "2" });
    const names = [...Deno.readDirSync(`${dir}/state`)].map((e) => e.name);
    assert.deepEqual(names, ["cursors.json"], "no temporary files are left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fileCursorStore() refuses a corrupt file, naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/cursors.json`;
    await Deno.writeTextFile(path, "{not json");
    await assert.rejects(
      fileCursorStore(path).get("a"),
      (e: Error) => e.message.startsWith(`Cannot read cursor store "${path}"`),
    );
    await Deno.writeTextFile(path, "[1]");
    await assert.rejects(fileCursorStore(path).get("a"), /expected a JSON object, got "\[1\]"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defaultSince() is 24 months before now", () => {
  assert.equal(defaultSince(new Date("2026-11-29T10:00:00Z")).toISOString(), "2024-11-29T10:00:00.000Z");
  assert.equal(defaultSince(new Date("2026-02-28T00:00:00Z")).toISOString(), "2024-02-28T00:00:00.000Z");
});

Deno.test("isSkippedItem() tells skipped items from posts", () => {
  assert.equal(isSkippedItem({ nativeId: "1", reason: "deleted" }), true);
  assert.equal(
    isSkippedItem({ platform: "mastodon", nativeId: "1", createdAt: new Date(0), media: [], user: {} }),
    false,
  );
});
