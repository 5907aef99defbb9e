/**
 * The dashboard end to end: a fresh PGlite seeded with 600 scored posts over six months (eight tags, one
 * rising, one bursting), the app on a loopback port, the page in Debian's Chromium via playwright-core.
 * Checks that every chart draws data, that the tag filter changes the share chart, and saves a
 * screenshot to data/screenshots/dashboard.png.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { createApp } from "@/server/mod.ts";
import { refreshAggregates } from "@/trends/mod.ts";
import { seedTrendData, syntheticTrendData } from "./support/trend_seed.ts";
import { freshPglite } from "./support/db.ts";

const CHROMIUM = "/usr/bin/chromium";
const ODD_TAG = "arts_&_culture/音楽 <i>x</i>";

interface ChartState {
  series: { name?: string; type: string; points: number }[];
  canvasPainted: boolean;
}

Deno.test({
  name:
    "the dashboard draws shares, growth, bursts, clusters and runs, the tag filter changes the chart, and a read token is sent",
  ignore: !existsSync(CHROMIUM) && !Deno.env.get("CI"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await freshPglite();
    const data = syntheticTrendData({ posts: 600 });
    // A tag name as real data sets write them, with what URLs and pages must escape.
    for (const p of data.predictions) if (p.tag === "music") p.tag = ODD_TAG;
    await seedTrendData(db, data);
    await db.query(
      `insert into models (version, status, metrics, path)
       values ('fusion-v1', 'current', '{"micro_f1": 0.71, "macro_f1": 0.64}', 'models/fusion-v1')`,
    );
    await refreshAggregates(db);
    const app = createApp({ db });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1250 } });
      const external: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(url)) external.push(r.url());
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // The server's CSP allows no inline script or style: the page must not need any.
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
      });
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });

      const chartState = (id: string) =>
        page.evaluate((name: string): ChartState => {
          // deno-lint-ignore no-explicit-any -- the page's own global
          const d = (globalThis as any).dashboard;
          const chart = d.charts[name];
          const opt = chart.getOption();
          const series = opt.series.map((s: { name?: string; type: string; data?: unknown[] }) => ({
            name: s.name,
            type: s.type,
            points: (s.data ?? []).length,
          }));
          const canvas = chart.getDom().querySelector("canvas") as HTMLCanvasElement;
          const ctx = canvas.getContext("2d")!;
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
          return { series, canvasPainted: painted > 1000 };
        }, id);

      const shares = await chartState("shares");
      assert.equal(shares.series.length, 8);
      assert.ok(
        shares.series.every((s) => s.type === "line" && s.points >= 20),
        JSON.stringify(shares.series),
      );
      assert.ok(shares.canvasPainted);
      // Growing tags are exactly those the route's own test says grew; falling ones have their own list.
      const range = (await page.locator("#growth-range").textContent())!.match(
        /(\d{4}-\d\d-\d\d) – (\d{4}-\d\d-\d\d)/,
      )!;
      const api = await (await fetch(`${url}api/growth?to=${range[2]}&days=30&minCount=5`)).json();
      const grew = api.tags.filter((t: { change: string }) => t.change === "grew").map((t: { tag: string }) =>
        t.tag
      );
      const fell = api.tags.filter((t: { change: string }) => t.change === "fell").map((t: { tag: string }) =>
        t.tag
      );
      assert.deepEqual(grew, ["eclipse"], "the bursting tag grew; the steady riser is not yet significant");
      const bars = await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any -- the page's own global
        const o = (globalThis as any).dashboard.charts.growth.getOption();
        return {
          tags: o.yAxis[0].data as string[],
          values: o.series[0].data.map((d: { value: number }) => d.value),
        };
      });
      assert.deepEqual([...bars.tags].reverse(), grew.slice(0, 8));
      assert.ok(bars.values.every((v: number) => v > 1), "every bar grew");
      assert.ok(await page.locator("#growth-none").isHidden());
      const falling = await page.locator("#falling tbody td:first-child").allTextContents();
      assert.deepEqual(
        falling,
        fell.length
          ? fell.slice(0, 8).sort((a: string, b: string) => falling.indexOf(a) - falling.indexOf(b))
          : ["no tag fell significantly in this period"],
      );
      assert.ok((await chartState("growth")).canvasPainted);
      // The periods end at the last full week with predictions, and the page says so.
      const note = (await page.locator("#period-note").textContent())!;
      const m = note.match(
        /^Periods end (\S+), the last full week \(Monday to Sunday\) with predictions \(predictions run to (\S+)\)\.$/,
      );
      assert.ok(m, note);
      assert.equal(new Date(`${m[1]}T00:00:00Z`).getUTCDay(), 0, "a Sunday");
      assert.ok(m[1] <= m[2] && Date.parse(m[2]) - Date.parse(m[1]) < 7 * 86_400_000);
      assert.equal(range[2], m[1], "growth ends there too");
      const weeks = await page.evaluate(() =>
        // deno-lint-ignore no-explicit-any -- the page's own global
        (globalThis as any).dashboard.charts.shares.getOption().xAxis[0].data as string[]
      );
      assert.equal(
        Date.parse(m[1]) - Date.parse(weeks.at(-1)!),
        6 * 86_400_000,
        "the last week drawn is full",
      );
      const clusters = await chartState("clusters");
      assert.equal(clusters.series[0].type, "graph");
      assert.equal(clusters.series[0].points, 8);
      assert.ok(clusters.canvasPainted);
      // Every node and its label lies inside the panel.
      const outside = await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any -- the page's own global
        const chart = (globalThis as any).dashboard.charts.clusters;
        const [w, h] = [chart.getWidth(), chart.getHeight()];
        const data = chart.getModel().getSeriesByIndex(0).getData();
        const out: string[] = [];
        for (let i = 0; i < data.count(); i++) {
          const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, data.getItemLayout(i));
          const r = data.getItemVisual(i, "symbolSize") / 2;
          // The label sits under the circle: 12 px type.
          if (x - r < 0 || y - r < 0 || x + r > w || y + r + 16 > h) out.push(data.getName(i));
        }
        return out;
      });
      assert.deepEqual(outside, []);
      assert.match(
        await page.locator("#clusters-caption").textContent() ?? "",
        /8 tags in \d+ clusters .*circle size/,
      );
      const bursts = await page.locator("#bursts tbody td:first-child").allTextContents();
      assert.deepEqual(bursts, ["eclipse"]);
      assert.match(await page.locator("#model").textContent() ?? "", /fusion-v1/);
      assert.match(await page.locator("#runs tbody").textContent() ?? "", /infer-synthetic/);
      assert.equal(await page.locator("#top-posts tbody tr").count(), 5);

      // The tag filter: one line, the chosen tag; top posts follow it.
      await page.selectOption("#f-tag", "ai");
      await page.waitForFunction(() =>
        (globalThis as unknown as { dashboard: { renders: number } }).dashboard.renders >= 2
      );
      const one = await chartState("shares");
      assert.deepEqual(one.series.map((s) => s.name), ["ai"]);
      assert.match(await page.locator("#top-title").textContent() ?? "", /ai/);
      // A platform filter shrinks the sampled posts.
      const before = await page.locator("#status").textContent();
      await page.selectOption("#f-platform", "bluesky");
      await page.waitForFunction(() =>
        (globalThis as unknown as { dashboard: { renders: number } }).dashboard.renders >= 3
      );
      assert.notEqual(await page.locator("#status").textContent(), before);
      await page.selectOption("#f-platform", "");
      await page.selectOption("#f-tag", ODD_TAG);
      await page.waitForFunction(() =>
        (globalThis as unknown as { dashboard: { renders: number } }).dashboard.renders >= 5
      );
      assert.equal(await page.locator("#top-title").textContent(), `Top posts: ${ODD_TAG}`);
      assert.equal(await page.locator("#top-posts tbody tr").count(), 5);
      assert.deepEqual((await chartState("shares")).series.map((s) => s.name), [ODD_TAG]);
      await page.selectOption("#f-tag", "");
      await page.waitForFunction(() =>
        (globalThis as unknown as { dashboard: { renders: number } }).dashboard.renders >= 6
      );
      // Hovering draws ECharts' tooltips, whose default markup would carry inline styles.
      await page.hover("#chart-shares canvas", { position: { x: 600, y: 150 } });
      await page.waitForFunction(() =>
        /\d%/.test(document.querySelector("#chart-shares")?.textContent ?? "")
      );
      await page.hover("#chart-growth canvas", { position: { x: 200, y: 100 } });
      await page.waitForTimeout(1500); // let the force layout settle for the picture

      await Deno.mkdir("data/screenshots", { recursive: true });
      await page.screenshot({ path: "data/screenshots/dashboard.png", fullPage: true });
      assert.deepEqual(errors, []);
      assert.deepEqual(external, []);

      // A server with a read token: the page says how to give it, then loads with it.
      const locked = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        createApp({ db, options: { readToken: "r3ad" } }).fetch,
      );
      try {
        const lockedUrl = `http://127.0.0.1:${locked.addr.port}/`;
        await page.goto(lockedUrl);
        await page.waitForFunction(() => document.body.dataset.state === "error", null, { timeout: 30_000 });
        assert.match(await page.locator("#status").textContent() ?? "", /read token .*#token=YOUR_TOKEN/);
        await page.goto(`${lockedUrl}#token=r3ad`);
        await page.reload(); // a fragment change alone does not reload the page
        await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 30_000 });
        assert.equal(page.url(), lockedUrl, "the token leaves the address bar");
      } finally {
        await locked.shutdown();
      }
    } finally {
      await browser.close();
      await server.shutdown();
      await db.close();
    }
  },
});
