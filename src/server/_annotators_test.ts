import assert from "node:assert/strict";
import { BlobSigner, parseLabelTokens } from "./_annotators.ts";

Deno.test("parseLabelTokens() reads TOKEN=NAME pairs and refuses what it cannot trust", async (t) => {
  await t.step("pairs, spaces and an empty list", () => {
    assert.deepEqual(
      [...parseLabelTokens(" tok-ann-0001=ann , tok-bob-0002=bob.k ")],
      [["tok-ann-0001", "ann"], ["tok-bob-0002", "bob.k"]],
    );
    assert.equal(parseLabelTokens("").size, 0);
  });
  await t.step("a short token, a missing name, the data's own annotator, a reused token", () => {
    assert.throws(() => parseLabelTokens("abc=ann"), /not TOKEN=NAME with a token of 8\+ characters/);
    assert.throws(() => parseLabelTokens("tok-ann-0001="), /annotator "" is not a name/);
    assert.throws(() => parseLabelTokens("tok-ann-0001=source"), /not "source"/);
    assert.throws(() => parseLabelTokens("tok-ann-0001=a,tok-ann-0001=b"), /given twice/);
  });
  await t.step("the message never shows a whole token", () => {
    assert.throws(() => parseLabelTokens("secretvalue"), (e: Error) => !e.message.includes("secretvalue"));
  });
});

Deno.test("BlobSigner signs URLs that expire and that another key or hash does not accept", () => {
  const sha = "a".repeat(64);
  const signer = new BlobSigner(new Map([["tok-ann-0001", "ann"]]));
  const url = new URL(signer.url(sha, 60), "http://x");
  const exp = Number(url.searchParams.get("exp")), sig = url.searchParams.get("sig")!;
  assert.equal(url.pathname, `/api/blobs/${sha}`);
  assert.ok(signer.valid(sha, exp, sig));
  assert.ok(!signer.valid("b".repeat(64), exp, sig), "another blob");
  assert.ok(!signer.valid(sha, exp + 3600, sig), "another expiry");
  assert.ok(!new BlobSigner(new Map([["tok-bob-0002", "bob"]])).valid(sha, exp, sig), "another key");
  assert.ok(!signer.valid(sha, Math.floor(Date.now() / 1000) - 1, sig), "expired");
  // Replicas with the same tokens accept each other's URLs.
  assert.ok(new BlobSigner(new Map([["tok-ann-0001", "ann"]])).valid(sha, exp, sig));
});
