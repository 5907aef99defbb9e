import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createAnonymizer, loadOrCreateSecret } from "./anon_id.ts";

const SECRET = "s".repeat(40);

Deno.test("createAnonymizer() gives a stable HMAC-SHA256 key that hides the native id", () => {
  const anon = createAnonymizer(SECRET);
  const id = anon.post("mastodon", "109876");
  assert.equal(id, createHmac("sha256", SECRET).update("post\u0000mastodon\u0000109876").digest("hex"));
  assert.equal(anon.post("mastodon", "109876"), id);
  assert.notEqual(anon.post("bluesky", "109876"), id);
  assert.notEqual(anon.user("mastodon", "109876"), id);
  assert.ok(!id.includes("109876"));
  assert.notEqual(createAnonymizer("t".repeat(40)).post("mastodon", "109876"), id);
});

Deno.test("createAnonymizer() refuses a short secret and empty ids", () => {
  assert.throws(() => createAnonymizer("short"), RangeError);
  assert.throws(() => createAnonymizer(SECRET).post("mastodon", ""), TypeError);
});

Deno.test("loadOrCreateSecret() generates a private secret once and then reuses it", async () => {
  const dir = await Deno.makeTempDir();
  const secretPath = `${dir}/nested/anon.key`;
  const first = await loadOrCreateSecret({ secretPath });
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(await loadOrCreateSecret({ secretPath }), first);
  assert.equal((await Deno.stat(secretPath)).mode! & 0o777, 0o600);
  assert.equal(await loadOrCreateSecret({ secretPath, anonSecret: SECRET }), SECRET);
  await Deno.remove(dir, { recursive: true });
});
