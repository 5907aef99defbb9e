/** The dashboard's files, read from disk once: the page, its script and style, and ECharts. */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Asset {
  body: Uint8Array;
  type: string;
}

/** ECharts as installed by npm. */
export const DEFAULT_ECHARTS_PATH = fileURLToPath(
  new URL("../../node_modules/echarts/dist/echarts.min.js", import.meta.url),
);

const PAGE_FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/assets/dashboard.js": ["dashboard.js", "text/javascript; charset=utf-8"],
  "/assets/dashboard.css": ["dashboard.css", "text/css; charset=utf-8"],
  "/assets/docs.css": ["docs.css", "text/css; charset=utf-8"],
};

const loaded = new Map<string, Map<string, Asset>>();

/** URL path -> asset; throws when a file is missing, naming it. */
export function loadAssets(echartsPath = DEFAULT_ECHARTS_PATH): Map<string, Asset> {
  const hit = loaded.get(echartsPath);
  if (hit) return hit;
  const assets = new Map<string, Asset>();
  for (const [url, [file, type]] of Object.entries(PAGE_FILES)) {
    assets.set(url, { body: readFileSync(new URL(`./dashboard/${file}`, import.meta.url)), type });
  }
  if (!existsSync(echartsPath)) {
    throw new Error(
      `Cannot serve the dashboard: ECharts is missing at "${echartsPath}" (run deno task setup)`,
    );
  }
  assets.set("/assets/echarts.min.js", {
    body: readFileSync(echartsPath),
    type: "text/javascript; charset=utf-8",
  });
  loaded.set(echartsPath, assets);
  return assets;
}
