import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FileBlobStore } from "./blobs.ts";

Deno.test("FileBlobStore stores by sha256, deduplicates and leaves no temp files", async () => {
  const root = await Deno.makeTempDir();
  const store = new FileBlobStore(root);
  const bytes = new TextEncoder().encode("a video, say");
  const sha = createHash("sha256").update(bytes).digest("hex");
  const a = await store.put(bytes);
  const b = await store.put(bytes);
  assert.deepEqual(a, { sha256: sha, size: bytes.length, created: true });
  assert.equal(b.created, false);
  assert.deepEqual(await store.get(sha), bytes);
  const src = `${root}/input.bin`;
  await Deno.writeFile(src, bytes);
  assert.deepEqual(await store.putFile(src), { sha256: sha, size: bytes.length, created: false });
  const files: string[] = [];
  for await (const e of Deno.readDir(`${root}/${sha.slice(0, 2)}/${sha.slice(2, 4)}`)) files.push(e.name);
  assert.deepEqual(files, [sha]);
  assert.equal(await store.localPath(sha), store.pathOf(sha));
  await Deno.remove(root, { recursive: true });
});

Deno.test("FileBlobStore says which blob is missing and rejects non-digests", async () => {
  const store = new FileBlobStore(await Deno.makeTempDir());
  await assert.rejects(() => store.get("0".repeat(64)), /Cannot read blob "0{64}": not in the blob store/);
  assert.throws(() => store.pathOf("../etc/passwd"), TypeError);
  await Deno.remove(store.root, { recursive: true });
});
