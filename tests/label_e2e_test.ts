/**
 * The labeling page end to end, in Debian's Chromium under a strict same-origin CSP: 60 labeled and 6
 * unlabeled posts (two with images) ingested from JSONL into a fresh PGlite, an inference run's
 * predictions for the unlabeled ones, the app on a loopback port. An annotator labels three posts with the
 * keyboard alone (the model's suggestions pre-checked), skips one and answers "none of these" for another;
 * a second annotator meanwhile gets other posts; the labels are in the database as the CSV import writes
 * them; the media come through signed blob URLs only; the agreement page shows the pair's kappa; and the
 * next training run trains on the three posts. Screenshots go to data/screenshots/.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { chromium, type Page } from "playwright-core";
import { loadSettings } from "@/config/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { BlobSigner, createApp } from "@/server/mod.ts";
import {
  createAnonymizer,
  ensureTags,
  FileBlobStore,
  readDataset,
  startRun,
  type Store,
} from "@/store/mod.ts";
import { snapshotHash, train } from "@/train/mod.ts";
import { freshPglite } from "./support/db.ts";
import { testEncoderCache } from "./support/encoders.ts";

const CHROMIUM = "/usr/bin/chromium";
/** What #15's hardening sends: same-origin scripts, styles, images and media, nothing inline. */
const CSP = "default-src 'self'; img-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const TOKENS = new Map([["ann-token-0001", "ann"], ["bob-token-0002", "bob"]]);

const day = (i: number) => new Date(Date.now() - (40 - i) * 86_400_000).toISOString();

async function writeCorpus(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "media"), { recursive: true });
  await sharp({ create: { width: 96, height: 64, channels: 3, background: "#d62828" } }).png()
    .toFile(join(dir, "media", "red.png"));
  // A TIFF, which browsers do not show: the blob route renders it as JPEG.
  await sharp({ create: { width: 96, height: 64, channels: 3, background: "#1d4ed8" } }).tiff()
    .toFile(join(dir, "media", "blue.tiff"));
  const lines: unknown[] = [];
  const cat = ["my cat sleeps on the sofa", "die Katze schnurrt laut", "kitten chasing a toy mouse"];
  const dog = ["walked the dog in the park", "der Hund bellt den Briefträger an", "puppy learned to sit"];
  for (let i = 0; i < 60; i++) {
    const both = i % 5 === 0;
    const isCat = i % 2 === 0;
    lines.push({
      id: `l${i}`,
      platform: "mastodon",
      created_at: day(i % 30),
      text: both ? `${cat[i % 3]} and ${dog[i % 3]}` : isCat ? cat[i % 3] : dog[i % 3],
      lang: i % 3 === 1 ? "de" : "en",
      labels: both ? ["cats", "dogs"] : [isCat ? "cats" : "dogs"],
      annotator: "source",
    });
  }
  const unlabeled = [
    { id: "u0", text: "a fluffy thing on the windowsill", media: [{ kind: "image", path: "media/red.png" }] },
    { id: "u1", text: "zwei Tiere im Garten", lang: "de" },
    { id: "u2", text: "who is a good boy", media: [{ kind: "image", path: "media/blue.tiff" }] },
    { id: "u3", text: "the vet visit went fine" },
    { id: "u4", text: "new bowl, same old drama" },
    { id: "u5", text: "a quiet afternoon" },
  ];
  for (const [i, u] of unlabeled.entries()) {
    lines.push({ platform: "mastodon", created_at: day(31 + i), lang: "en", ...u });
  }
  await Deno.writeTextFile(join(dir, "posts.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
}

/** An inference run's predictions for the unlabeled posts: [cats, dogs] probabilities. */
async function predict(store: Store): Promise<void> {
  const ids = await ensureTags(store.db, ["cats", "dogs"]);
  await startRun(store.db, "infer", { id: "infer-e2e", modelVersion: "m-e2e" });
  const probs: Record<string, [number, number]> = {
    u0: [0.52, 0.1], // most uncertain: cats on 0.5
    u1: [0.6, 0.45],
    u2: [0.05, 0.62],
    u3: [0.3, 0.3],
    u4: [0.9, 0.05],
    u5: [0.02, 0.03],
  };
  for (const [native, [c, d]] of Object.entries(probs)) {
    const postId = store.anon.post("mastodon", native);
    for (const [tag, p] of [["cats", c], ["dogs", d]] as const) {
      await store.db.query(
        `insert into predictions (run_id, post_id, tag_id, probability, predicted, model_version)
         values ('infer-e2e', $1, $2, $3, $4, 'm-e2e')`,
        [postId, ids.get(tag), p, p >= 0.5],
      );
    }
  }
}

const current = (page: Page) =>
  page.evaluate(() =>
    // deno-lint-ignore no-explicit-any -- the page's own global
    ((globalThis as any).labeling.data.post?.id ?? null) as string | null
  );
const pressed = (page: Page) => page.locator('.tag[aria-pressed="true"] .name').allTextContents();
const keyOf = (page: Page, tag: string) => page.locator(`.tag[data-tag="${tag}"] kbd`).textContent();

async function nextPost(page: Page, before: string | null): Promise<string> {
  await page.waitForFunction(
    (prev) =>
      document.body.dataset.state === "ready" &&
      // deno-lint-ignore no-explicit-any -- the page's own global
      (globalThis as any).labeling.data.post?.id !== prev,
    before,
    { timeout: 20_000 },
  );
  return (await current(page))!;
}

Deno.test({
  name:
    "an annotator labels three posts with the keyboard alone; the labels are stored and the next training sees them",
  ignore: !existsSync(CHROMIUM) && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "label-e2e-" });
    const settings = loadSettings({
      POSTTAGGER_ROOT: root,
      ANON_SECRET: "l".repeat(40),
      ENCODER_CACHE_DIR: await testEncoderCache(),
    });
    await writeCorpus(join(root, "raw"));
    const db = await freshPglite();
    const store: Store = {
      db,
      blobs: new FileBlobStore(join(settings.dataDir, "blobs")),
      anon: createAnonymizer("l".repeat(40)),
      close: () => db.close(),
    };
    const ing = await ingest(store, readJsonlPosts(join(root, "raw", "posts.jsonl")), { source: "test" });
    assert.equal(ing.stored, 66);
    await predict(store);
    const labeledBefore = (await readDataset(db, { labeled: true })).length;
    assert.equal(labeledBefore, 60);

    const app = createApp({
      db,
      blobs: store.blobs,
      options: { labelTokens: TOKENS, runsDir: settings.runsDir },
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
      const res = await app.fetch(req);
      const headers = new Headers(res.headers);
      if (!headers.has("content-security-policy")) headers.set("content-security-policy", CSP);
      return new Response(res.body, { status: res.status, headers });
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const external: string[] = [], problems: string[] = [];
      page.on("request", (r) => !r.url().startsWith(base) && external.push(r.url()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));

      // Without a token the page asks for one; the token form signs in.
      await page.goto(`${base}/label`);
      await page.waitForFunction(() => document.body.dataset.state === "login");
      await page.fill("#token", "ann-token-0001");
      await page.keyboard.press("Enter");
      let post = await nextPost(page, null);
      assert.equal(post, store.anon.post("mastodon", "u0"), "the most uncertain post comes first");
      assert.match(
        await page.locator("#queue-desc").textContent() ?? "",
        /Queue in use: uncertain — .*active learning/,
      );
      assert.match(await page.locator("#reason").textContent() ?? "", /unsure about "cats"/);
      assert.deepEqual(await pressed(page), ["cats"], "the model's suggestion is pre-checked");
      assert.match(await page.locator('.tag[data-tag="cats"] small').textContent() ?? "", /0\.52/);
      await page.waitForFunction(() =>
        (document.querySelector("#media img") as HTMLImageElement)?.naturalWidth === 96
      );
      await Deno.mkdir("data/screenshots", { recursive: true });
      await page.screenshot({ path: "data/screenshots/label.png", fullPage: true });

      // Meanwhile Bob is given another post.
      const bob = await browser.newPage();
      await bob.goto(`${base}/label#token=bob-token-0002`);
      const bobPost = await nextPost(bob, null);
      assert.notEqual(bobPost, post);

      // 1: keep cats, add dogs, save. 2: Bob's post is not offered; toggle the suggestion off, add cats, save.
      const answers: Record<string, string[]> = {};
      await page.keyboard.press((await keyOf(page, "dogs"))!);
      assert.deepEqual(await pressed(page), ["cats", "dogs"]);
      await page.keyboard.press("Enter");
      answers[post] = ["cats", "dogs"];
      for (let i = 0; i < 2; i++) {
        post = await nextPost(page, post);
        assert.notEqual(post, bobPost, "never the post Bob holds");
        for (const t of await pressed(page)) await page.keyboard.press((await keyOf(page, t))!);
        const tag = i === 0 ? "cats" : "dogs";
        await page.keyboard.press((await keyOf(page, tag))!);
        await page.keyboard.press("Enter");
        answers[post] = [tag];
      }
      // A skip and a "none of these".
      const skipped = post = await nextPost(page, post);
      await page.keyboard.press("s");
      const none = post = await nextPost(page, post);
      await page.keyboard.press("n");
      await page.waitForFunction(() =>
        // deno-lint-ignore no-explicit-any -- the page's own global
        (globalThis as any).labeling.done === 5 && document.body.dataset.state !== "loading"
      );
      assert.match(await page.locator("#who").textContent() ?? "", /ann · 5 answered/);

      const rows = await db.query<{ post_id: string; tag: string; value: boolean; source: string }>(
        `select l.post_id, t.name as tag, l.value, l.source from labels l join tags t on t.id = l.tag_id
         where l.annotator = 'ann' order by 1, 2`,
      );
      const given = new Map<string, string[]>();
      for (const r of rows) {
        assert.equal(r.source, "label-page:uncertain");
        if (r.value) given.set(r.post_id, [...(given.get(r.post_id) ?? []), r.tag]);
      }
      assert.deepEqual(Object.fromEntries(given), answers);
      assert.deepEqual(rows.filter((r) => r.post_id === none).map((r) => [r.tag, r.value]), [
        ["cats", false],
        ["dogs", false],
      ]);
      assert.ok(!rows.some((r) => r.post_id === skipped), "a skip writes no label");

      // Media only through signed URLs of stored blobs.
      const media = await db.query<{ blob_sha256: string; mime: string }>(
        "select blob_sha256, mime from media order by mime",
      );
      assert.deepEqual(media.map((m) => m.mime), ["image/png", "image/tiff"]);
      const signer = new BlobSigner(TOKENS);
      for (const m of media) {
        const res = await fetch(`${base}${signer.url(m.blob_sha256, 60)}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), m.mime === "image/png" ? "image/png" : "image/jpeg");
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
        const meta = await sharp(new Uint8Array(await res.arrayBuffer())).metadata();
        assert.deepEqual([meta.format, meta.width], [m.mime === "image/png" ? "png" : "jpeg", 96]);
      }
      const sha = media[0].blob_sha256;
      const ranged = await fetch(`${base}${signer.url(sha, 60)}`, { headers: { range: "bytes=0-9" } });
      assert.equal(ranged.status, 206);
      assert.equal((await ranged.arrayBuffer()).byteLength, 10);
      const forged = await fetch(`${base}${signer.url(sha, 60).replace(/sig=./, "sig=A")}`);
      assert.equal(forged.status, 403);
      await forged.body?.cancel();
      const unknown = await fetch(`${base}${signer.url("0".repeat(64), 60)}`);
      assert.equal(unknown.status, 404, "a hash no post's media names is not served");
      await unknown.body?.cancel();
      const traversal = await fetch(`${base}/api/blobs/..%2F..%2Fpglite?exp=1&sig=x`);
      assert.ok([400, 404].includes(traversal.status));
      await traversal.body?.cancel();

      // Bob gives a second opinion on one of Ann's posts; the agreement page shows the pair.
      await bob.selectOption("#queue", "second-opinion");
      const second = await nextPost(bob, bobPost);
      assert.ok(second in answers || second === none, "one of the posts Ann answered");
      for (const t of await pressed(bob)) await bob.keyboard.press((await keyOf(bob, t))!);
      await bob.keyboard.press((await keyOf(bob, "cats"))!);
      await bob.keyboard.press("Enter");
      await bob.waitForFunction(() =>
        // deno-lint-ignore no-explicit-any -- the page's own global
        (globalThis as any).labeling.done === 1
      );
      await page.goto(`${base}/label/agreement`);
      await page.waitForFunction(() => document.body.dataset.state === "ready");
      assert.match(await page.locator("#pairs h3").textContent() ?? "", /ann and bob: 1 posts in common/);
      assert.match(await page.locator("#coverage").textContent() ?? "", /cats/);
      assert.match(
        await page.locator("#per-day tbody").textContent() ?? "",
        /ann\s*4\s*3\s*1/,
        "4 answers: 3 with tags, 1 none of these (a skip is no answer)",
      );
      await page.screenshot({ path: "data/screenshots/agreement.png", fullPage: true });
      assert.deepEqual(external, []);
      assert.deepEqual(problems, []);

      // The next training run trains on Ann's four answers: three posts with tags, and the "none of these"
      // post as a negative for every tag (unless Bob's "cats" on it gave it a tag).
      const labeled = await readDataset(db, { labeled: true });
      const expected = labeledBefore + 4;
      assert.equal(labeled.length, expected);
      assert.deepEqual(labeled.find((p) => p.id === none)!.tags, second === none ? ["cats"] : []);
      const result = await train(store, settings, { epochs: 2, minTagPosts: 3, seed: 3 });
      const c = result.manifest.data.counts;
      assert.equal(c.train + c.dev + c.test, expected);
      assert.equal(
        result.manifest.data.snapshot_hash,
        snapshotHash(labeled.map((p) => ({ id: p.id, tags: p.tags }))),
      );
      assert.deepEqual(labeled.find((p) => p.id === Object.keys(answers)[0])?.tags, ["cats", "dogs"]);
      assert.equal(result.manifest.curves?.epoch.length, result.manifest.config.epochsRun);
    } finally {
      await browser.close();
      await server.shutdown();
      await db.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
