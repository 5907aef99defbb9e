/**
 * The experiments page and the API docs page in Debian's Chromium under a strict same-origin CSP: three
 * manifests (a current one with curves, protocol and per-language scores; an old one without them; one
 * that is not JSON) in a temp runs folder. Checks that every run is listed with what its manifest holds,
 * that sorting and filtering work, that two picked runs are compared per tag, that the curves are drawn,
 * and that neither page loads anything from outside. Screenshots go to data/screenshots/.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { createApp } from "@/server/mod.ts";
import { freshPglite } from "./support/db.ts";

const CHROMIUM = "/usr/bin/chromium";
const CSP = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self'; object-src 'none'";

const tagScore = (tag: string, f05: number, threshold: number) => ({
  tag,
  precision: f05 + 0.05,
  recall: f05 - 0.1,
  f05,
  f1: f05 - 0.02,
  support: 40,
  threshold,
});

const NEW = {
  run_id: "train-20261101T000000Z-newrun01",
  created_at: "2026-11-01T00:00:00.000Z",
  source: "sample",
  config: { minTagPosts: 10, epochsRun: 4 },
  data: {
    snapshot_hash: "abcdef0123456789",
    window: {},
    split_method: "time",
    counts: { train: 700, dev: 150, test: 150, tags: 2 },
  },
  code: { gitSha: "1234567890abcdef", dirty: false },
  seed: 7,
  protocol: { name: "time split", folds: 1 },
  tags: ["cats", "dogs"],
  encoders: { text: "text-ngrams@3 + hf-text:minilm@bert-ab12+fp32", image: "mobilenet-v2@1" },
  encoder_records: {
    text: {
      name: "hf-text:minilm",
      id: "hf-text:minilm@bert-ab12+fp32",
      dim: 384,
      runtime: "onnxruntime-node cpu",
      files: { "onnx/model.onnx": "ab12" },
    },
  },
  backend: "wasm",
  duration_s: 42.5,
  metrics: {
    weighted_f05: 0.812,
    macro_f05: 0.79,
    micro_f05: 0.83,
    per_tag: [tagScore("cats", 0.85, 0.41), tagScore("dogs", 0.77, 0.36)],
    per_language: { en: { weighted_f05: 0.83, n: 100 }, de: { weighted_f05: 0.74, n: 50 } },
  },
  thresholds: [0.41, 0.36],
  model: {
    version: "fusion-new",
    path: "models/fusion-new",
    promoted: true,
    reason: "better than fusion-old",
  },
  curves: {
    epoch: [1, 2, 3, 4],
    train_loss: [0.6, 0.4, 0.3, 0.25],
    val_loss: [0.55, 0.42, 0.38, 0.39],
    val_weighted_f05: [0.6, 0.75, 0.8, 0.79],
  },
};

/** Written before curves, protocol, macro/micro F0.5 and per-language scores were kept. */
const OLD = {
  run_id: "train-20260901T000000Z-oldrun01",
  created_at: "2026-09-01T00:00:00.000Z",
  source: "goemotions",
  data: {
    snapshot_hash: "9999aaaabbbbcccc",
    split_method: "given",
    counts: { train: 500, dev: 100, test: 100 },
  },
  code: { gitSha: "fedcba9876543210", dirty: true },
  tags: ["cats", "dogs"],
  backend: "cpu",
  timings_s: { total: 310 },
  metrics: { weighted_f05: 0.7, per_tag: [tagScore("cats", 0.72, 0.5), tagScore("dogs", 0.69, 0.5)] },
  model: { version: "fusion-old", promoted: false, reason: "worse than the current model (0.75)" },
};

async function runsDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "experiments-e2e-" });
  for (const m of [NEW, OLD]) {
    await Deno.mkdir(join(dir, m.run_id));
    await Deno.writeTextFile(join(dir, m.run_id, "manifest.json"), JSON.stringify(m));
  }
  await Deno.mkdir(join(dir, "train-broken"));
  await Deno.writeTextFile(join(dir, "train-broken", "manifest.json"), "{ not json");
  return dir;
}

const rowTexts = (page: Page) =>
  page.locator("#runs tbody tr:not(.why)").evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll("td")].slice(1).map((td) => td.textContent ?? ""))
  );

Deno.test({
  name: "the experiments page lists, sorts, filters and compares runs from their manifests, and draws curves",
  ignore: !existsSync(CHROMIUM) && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await runsDir();
    const db = await freshPglite();
    const app = createApp({ db, options: { runsDir: dir } });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
      const res = await app.fetch(req);
      const headers = new Headers(res.headers);
      headers.set("content-security-policy", CSP);
      return new Response(res.body, { status: res.status, headers });
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const external: string[] = [], problems: string[] = [];
      page.on("request", (r) => !r.url().startsWith(base) && external.push(r.url()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      await page.goto(`${base}/experiments`);
      await page.waitForFunction(() => document.body.dataset.state === "ready");

      // Newest first; each field as its manifest has it, "–" where an old one lacks it; the broken one says why.
      const rows = await rowTexts(page);
      assert.equal(rows.length, 3);
      assert.deepEqual(rows[0].slice(0, 8), [
        "2026-11-01 00:00",
        "sample",
        "abcdef01",
        "1234567",
        "time split: folds 1",
        "n-grams + hf-text:minilm",
        "0.812",
        "0.790",
      ]);
      assert.match(rows[0].join("|"), /en 0\.83 · de 0\.74\|wasm\|42\.5 s\|promoted fusion-new/);
      assert.deepEqual(rows[1].slice(0, 8), [
        "2026-09-01 00:00",
        "goemotions",
        "9999aaaa",
        "fedcba9+dirty",
        "given split",
        "–",
        "0.700",
        "–",
      ]);
      assert.match(rows[1].join("|"), /cpu\|5\.2 min\|candidate fusion-old/);
      assert.match(rows[2].join("|"), /train-broken\|Cannot parse the manifest/);
      assert.match(
        await page.locator("#runs").textContent() ?? "",
        /why: worse than the current model \(0\.75\)/,
      );

      // Sort by weighted F0.5 (descending, then ascending); filter by text and by status.
      await page.click('th[data-sort="weightedF05"]');
      assert.deepEqual((await rowTexts(page)).map((r) => r[6]), ["0.812", "0.700", undefined]);
      await page.click('th[data-sort="weightedF05"]');
      assert.deepEqual((await rowTexts(page)).slice(0, 2).map((r) => r[6]), ["0.700", "0.812"]);
      await page.fill("#f-text", "goemo");
      assert.deepEqual((await rowTexts(page)).map((r) => r[1]), ["goemotions"]);
      await page.fill("#f-text", "hf-text");
      assert.deepEqual((await rowTexts(page)).map((r) => r[1]), ["sample"]);
      await page.fill("#f-text", "");
      await page.selectOption("#f-status", "promoted");
      assert.deepEqual((await rowTexts(page)).map((r) => r[1]), ["sample"]);
      await page.selectOption("#f-status", "");

      // The newest run's curves are drawn before anything is picked.
      const curves = () =>
        page.evaluate(() =>
          // deno-lint-ignore no-explicit-any -- the page's own global
          (globalThis as any).experiments.chart.getOption().series.map((
            s: { name: string; data: unknown[] },
          ) => `${s.name}:${s.data.length}`)
        );
      assert.deepEqual(await curves(), ["train loss:4", "validation loss:4", "validation weighted F0.5:4"]);
      // Hovering draws the tooltip, built from DOM nodes: ECharts' default markup would break the CSP.
      await page.hover("#chart-curves canvas", { position: { x: 400, y: 120 } });
      await page.waitForFunction(() =>
        /epoch \d+[\s\S]*train loss: \d/.test(document.querySelector("#chart-curves")?.textContent ?? "")
      );

      // Pick two runs: per-tag P/R/F0.5 and thresholds side by side, with the difference.
      await page.check(`input[aria-label="compare ${OLD.run_id}"]`);
      await page.check(`input[aria-label="compare ${NEW.run_id}"]`);
      const perTag = await page.locator("#per-tag tbody tr").evaluateAll((rs) =>
        rs.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent))
      );
      assert.deepEqual(perTag[0], [
        "cats",
        "0.770",
        "0.620",
        "0.720",
        "0.500",
        "0.900",
        "0.750",
        "0.850",
        "0.410",
        "+0.130",
        "40",
      ]);
      assert.equal(perTag.length, 2);
      assert.match(await page.locator("#curves-note").textContent() ?? "", /fusion|train-2026/);
      assert.deepEqual(await curves(), ["train loss:4", "validation loss:4", "validation weighted F0.5:4"]);
      await Deno.mkdir("data/screenshots", { recursive: true });
      await page.screenshot({ path: "data/screenshots/experiments.png", fullPage: true });

      // The API docs page: every route with its response fields, nothing from outside.
      await page.goto(`${base}/api/docs`);
      const docs = await page.locator("body").textContent() ?? "";
      for (const p of ["/api/label/next", "/api/experiments", "/api/growth", "/api/tags/{tag}/top-posts"]) {
        assert.ok(docs.includes(p), p);
      }
      assert.match(docs, /Growth: current "object", previous "object", tags "array"/);
      assert.equal(
        await page.evaluate(() => getComputedStyle(document.body).maxWidth),
        "960px",
        "the style sheet loaded",
      );
      assert.deepEqual(external, []);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
