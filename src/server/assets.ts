/** The pages' files, read from disk once: the dashboard, labeling, agreement and experiments pages, ECharts. */
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

const HTML = "text/html; charset=utf-8",
  JS = "text/javascript; charset=utf-8",
  CSS = "text/css; charset=utf-8";
/** URL path -> [file under src/server/, media type]. */
const PAGE_FILES: Record<string, [string, string]> = {
  "/": ["dashboard/index.html", HTML],
  "/assets/dashboard.js": ["dashboard/dashboard.js", JS],
  "/assets/dashboard.css": ["dashboard/dashboard.css", CSS],
  "/assets/docs.css": ["dashboard/docs.css", CSS],
  "/label": ["pages/label.html", HTML],
  "/label/agreement": ["pages/agreement.html", HTML],
  "/experiments": ["pages/experiments.html", HTML],
  "/assets/label.js": ["pages/label.js", JS],
  "/assets/agreement.js": ["pages/agreement.js", JS],
  "/assets/experiments.js": ["pages/experiments.js", JS],
  "/assets/pages.css": ["pages/pages.css", CSS],
  "/assets/favicon.svg": ["pages/favicon.svg", "image/svg+xml"],
};

const loaded = new Map<string, Map<string, Asset>>();

/** URL path -> asset; throws when a file is missing, naming it. */
export function loadAssets(echartsPath = DEFAULT_ECHARTS_PATH): Map<string, Asset> {
  const hit = loaded.get(echartsPath);
  if (hit) return hit;
  const assets = new Map<string, Asset>();
  for (const [url, [file, type]] of Object.entries(PAGE_FILES)) {
    assets.set(url, { body: readFileSync(new URL(`./${file}`, import.meta.url)), type });
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
