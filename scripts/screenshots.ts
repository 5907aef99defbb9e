/**
 * Screenshots of every page at 1400 px wide, on the data of the configured store (after `deno task demo`),
 * for the README: the dashboard, the labeling page, the agreement view and the experiments page.
 *
 *   deno task screenshots                    into docs/screenshots/
 *   deno task screenshots --out DIR
 *
 * The labeling page is opened as a throwaway annotator "screenshots" whose lease is given back at the end:
 * no label is written.
 */
import { join } from "node:path";
import { chromium } from "playwright-core";
import { loadSettings } from "@/config/mod.ts";
import { releaseLeases } from "@/label/mod.ts";
import { createApp } from "@/server/mod.ts";
import { openStore } from "@/store/mod.ts";
import { parseCli, run } from "./_cli.ts";

const PAGES = [
  { name: "dashboard", path: "/", height: 1300 },
  { name: "label", path: "/label", height: 900 },
  { name: "agreement", path: "/label/agreement", height: 1100 },
  { name: "experiments", path: "/experiments", height: 1100 },
];

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    out: { type: "string", default: "docs/screenshots", help: "folder the PNG files are written to" },
    chromium: { type: "string", default: "/usr/bin/chromium", help: "the Chromium binary" },
  });
  const settings = loadSettings();
  const store = await openStore(settings);
  const token = crypto.randomUUID();
  const app = createApp({
    db: store.db,
    blobs: store.blobs,
    options: { labelTokens: new Map([[token, "screenshots"]]), runsDir: settings.runsDir },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    await Deno.mkdir(values.out, { recursive: true });
    for (const p of PAGES) {
      const page = await browser.newPage({ viewport: { width: 1400, height: p.height } });
      await page.goto(`http://127.0.0.1:${server.addr.port}${p.path}#token=${token}`);
      await page.waitForFunction(() => ["ready", "empty"].includes(document.body.dataset.state ?? ""), null, {
        timeout: 60_000,
      });
      if (p.name === "experiments") {
        // Pick the two newest runs, to show the comparison.
        const boxes = page.locator("#runs input[type=checkbox]");
        for (let i = 0; i < Math.min(2, await boxes.count()); i++) await boxes.nth(i).check();
      }
      await page.waitForTimeout(800); // images and charts settle
      const file = join(values.out, `${p.name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.shutdown();
    await releaseLeases(store.db, "screenshots");
    await store.close();
  }
  return 0;
}

if (import.meta.main) await run(main);
