/**
 * Small views for notebooks: HTML tables and SVG charts (bars, lines, points) as strings, and the rows a
 * manifest yields for them (per-tag metrics, modality ablation, two runs side by side). No chart library:
 * a notebook shows the string with `Deno.jupyter.html`.
 */
import { Buffer } from "node:buffer";
import sharp from "sharp";
import { imageThumbnail, sampleVideoFrames } from "@/preprocess/mod.ts";
import type { BlobStore, DatasetMedia, DatasetPost } from "@/store/mod.ts";
import type { Manifest, TagScore } from "./manifest.ts";

export type Cell = string | number | boolean | null | undefined;

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39" }[c]};`,
  );
}

function formatCell(v: unknown, digits: number): string {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "–";
  if (typeof v === "number" && !Number.isInteger(v)) return v.toFixed(digits);
  return String(v);
}

export interface TableOptions {
  /** Columns in order. @default the keys of the first row */
  columns?: string[];
  /** Decimals for non-integer numbers. @default 3 */
  digits?: number;
  caption?: string;
}

/** An HTML table of plain objects; numbers are right-aligned, NaN and missing values show as "–". */
export function htmlTable(rows: readonly object[], options: TableOptions = {}): string {
  const { digits = 3 } = options;
  const records = rows as readonly Record<string, unknown>[];
  const columns = options.columns ?? Object.keys(records[0] ?? {});
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = records.map((r) =>
    "<tr>" + columns.map((c) => {
      const align = typeof r[c] === "number" ? ' style="text-align:right"' : "";
      return `<td${align}>${escapeHtml(formatCell(r[c], digits))}</td>`;
    }).join("") + "</tr>"
  ).join("\n");
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : "";
  return `<table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  /** Chart width in pixels. @default 560 */
  width?: number;
  /** Height of one bar row. @default 18 */
  barHeight?: number;
  /** Log-scale bar lengths (log10(1 + value)), for counts spanning orders of magnitude. @default false */
  logScale?: boolean;
  title?: string;
  /** Bar colour. @default "#4c78a8" */
  color?: string;
  /** Decimals of the value printed after each bar. @default 0 for integers, else 3 */
  digits?: number;
}

/** A horizontal bar chart; negative values draw leftwards from the zero line (ablation drops). */
export function barChartSvg(bars: readonly Bar[], options: BarChartOptions = {}): string {
  const { width = 560, barHeight = 18, logScale = false, color = "#4c78a8" } = options;
  const scale = (v: number) => (logScale ? Math.sign(v) * Math.log10(1 + Math.abs(v)) : v);
  const labelW = Math.min(200, 12 + 7 * Math.max(4, ...bars.map((b) => b.label.length)));
  const valueW = 60;
  const top = options.title ? 22 : 4;
  const height = top + bars.length * barHeight + 4;
  const lo = Math.min(0, ...bars.map((b) => scale(b.value)));
  const hi = Math.max(0, ...bars.map((b) => scale(b.value)));
  const span = hi - lo || 1;
  const plotW = width - labelW - valueW;
  const x = (v: number) => labelW + ((v - lo) / span) * plotW;
  const fmt = (v: number) =>
    Number.isInteger(v) && options.digits === undefined ? String(v) : v.toFixed(options.digits ?? 3);
  const rows = bars.map((b, i) => {
    const y = top + i * barHeight;
    const [x0, x1] = [x(0), x(scale(b.value))].sort((p, q) => p - q);
    return `<text x="${labelW - 6}" y="${y + barHeight * 0.7}" text-anchor="end">${
      escapeHtml(b.label)
    }</text>` +
      `<rect x="${x0.toFixed(1)}" y="${y + 2}" width="${(x1 - x0).toFixed(1)}" height="${barHeight - 4}" ` +
      `fill="${color}"><title>${escapeHtml(`${b.label}: ${fmt(b.value)}`)}</title></rect>` +
      `<text x="${(x1 + 4).toFixed(1)}" y="${y + barHeight * 0.7}">${fmt(b.value)}</text>`;
  });
  const title = options.title
    ? `<text x="${width / 2}" y="15" text-anchor="middle" font-weight="bold">${
      escapeHtml(options.title + (logScale ? " (log scale)" : ""))
    }</text>`
    : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" ` +
    `font-size="12">${title}<line x1="${x(0).toFixed(1)}" y1="${top}" x2="${x(0).toFixed(1)}" ` +
    `y2="${height - 4}" stroke="#888"/>${rows.join("")}</svg>`;
}

export interface Series {
  name: string;
  points: readonly [number, number][];
}

export interface LineChartOptions {
  /** @default 480 */
  width?: number;
  /** @default 300 */
  height?: number;
  /** @default [0, 1] */
  xDomain?: [number, number];
  /** @default [0, 1] */
  yDomain?: [number, number];
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** Draw only the points (an operating point per series), no connecting line. @default false */
  pointsOnly?: boolean;
}

const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d"];

/** A line (or point) chart of several series with axes, ticks at 0.2 steps of the domain and a legend. */
export function lineChartSvg(series: readonly Series[], options: LineChartOptions = {}): string {
  const { width = 480, height = 300, xDomain = [0, 1], yDomain = [0, 1], pointsOnly = false } = options;
  const m = { left: 48, right: 130, top: options.title ? 26 : 10, bottom: 40 };
  const pw = width - m.left - m.right, ph = height - m.top - m.bottom;
  const x = (v: number) => m.left + ((v - xDomain[0]) / (xDomain[1] - xDomain[0] || 1)) * pw;
  const y = (v: number) => m.top + ph - ((v - yDomain[0]) / (yDomain[1] - yDomain[0] || 1)) * ph;
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const axis = ticks.map((t) => {
    const xv = xDomain[0] + t * (xDomain[1] - xDomain[0]), yv = yDomain[0] + t * (yDomain[1] - yDomain[0]);
    return `<line x1="${x(xv)}" y1="${m.top}" x2="${x(xv)}" y2="${m.top + ph}" stroke="#eee"/>` +
      `<text x="${x(xv)}" y="${m.top + ph + 14}" text-anchor="middle">${+xv.toFixed(2)}</text>` +
      `<line x1="${m.left}" y1="${y(yv)}" x2="${m.left + pw}" y2="${y(yv)}" stroke="#eee"/>` +
      `<text x="${m.left - 4}" y="${y(yv) + 4}" text-anchor="end">${+yv.toFixed(2)}</text>`;
  }).join("");
  const lines = series.map((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`);
    const path = pointsOnly || pts.length < 2
      ? ""
      : `<polyline points="${pts.join(" ")}" fill="none" stroke="${c}" stroke-width="2"/>`;
    const dots = s.points.map(([px, py]) =>
      `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="${pointsOnly ? 4 : 2}" fill="${c}">` +
      `<title>${escapeHtml(`${s.name}: (${+px.toFixed(3)}, ${+py.toFixed(3)})`)}</title></circle>`
    ).join("");
    const legend =
      `<rect x="${m.left + pw + 10}" y="${m.top + i * 16}" width="10" height="10" fill="${c}"/>` +
      `<text x="${m.left + pw + 24}" y="${m.top + i * 16 + 9}">${escapeHtml(s.name)}</text>`;
    return path + dots + legend;
  }).join("");
  const labels =
    (options.xLabel
      ? `<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle">${
        escapeHtml(options.xLabel)
      }</text>`
      : "") +
    (options.yLabel
      ? `<text transform="translate(12 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${
        escapeHtml(options.yLabel)
      }</text>`
      : "") +
    (options.title
      ? `<text x="${width / 2}" y="16" text-anchor="middle" font-weight="bold">${
        escapeHtml(options.title)
      }</text>`
      : "");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" ` +
    `font-size="11"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>` +
    `${axis}${lines}${labels}</svg>`;
}

/** Per-tag metrics of a run, most supported tag first. */
export function perTagRows(manifest: Manifest): Record<string, Cell>[] {
  return [...manifest.metrics.per_tag].sort((a, b) => b.support - a.support || a.tag.localeCompare(b.tag))
    .map((s) => ({
      tag: s.tag,
      support: s.support,
      precision: s.precision,
      recall: s.recall,
      "F0.5": s.f05,
      F1: s.f1,
      threshold: s.threshold,
    }));
}

/**
 * Each chosen tag's operating point (recall, precision) at its tuned threshold, as chart series; the
 * manifest keeps one point per tag, not the scores a whole curve needs. Unknown tags are left out.
 */
export function operatingPoints(manifest: Manifest, tags: readonly string[]): Series[] {
  const byTag = new Map<string, TagScore>(manifest.metrics.per_tag.map((s) => [s.tag, s]));
  return tags.flatMap((t) => {
    const s = byTag.get(t);
    return s
      ? [{
        name: `${t} @ ${s.threshold.toFixed(2)}`,
        points: [[s.recall, s.precision]] as [number, number][],
      }]
      : [];
  });
}

/**
 * Weighted F0.5 with each modality removed at test time (the drop, negative when removing it hurts),
 * plus the single-modality models when the run trained them; `full` is the run's own score.
 */
export function ablationBars(manifest: Manifest): { drops: Bar[]; scores: Bar[] } {
  const ab = Object.entries(manifest.metrics.ablation ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const single = Object.entries(manifest.metrics.single_modality ?? {}).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  return {
    drops: ab.map(([k, v]) => ({ label: `without ${k}`, value: -Math.abs(v.drop) })),
    scores: [
      { label: "full model", value: manifest.metrics.weighted_f05 },
      ...ab.map(([k, v]) => ({ label: `without ${k}`, value: v.weighted_f05 })),
      ...single.map(([k, v]) => ({ label: `${k} only`, value: v })),
    ],
  };
}

/** Two runs side by side: headline metrics, then F0.5 per tag with the change from `a` to `b`. */
export function compareRuns(
  a: Manifest,
  b: Manifest,
): { summary: Record<string, Cell>[]; perTag: Record<string, Cell>[] } {
  const keys = ["weighted_f05", "macro_f05", "micro_f05", "weighted_f1", "macro_f1", "micro_f1"] as const;
  const summary: Record<string, Cell>[] = [
    ...keys.map((k) => ({
      metric: k,
      [a.run_id]: a.metrics[k],
      [b.run_id]: b.metrics[k],
      change: b.metrics[k] - a.metrics[k],
    })),
    {
      metric: "train posts",
      [a.run_id]: a.data.counts.train,
      [b.run_id]: b.data.counts.train,
      change: b.data.counts.train - a.data.counts.train,
    },
    {
      metric: "data snapshot",
      [a.run_id]: a.data.snapshot_hash.slice(0, 8),
      [b.run_id]: b.data.snapshot_hash.slice(0, 8),
      change: a.data.snapshot_hash === b.data.snapshot_hash ? "same" : "differs",
    },
    {
      metric: "code",
      [a.run_id]: a.code.gitSha.slice(0, 7),
      [b.run_id]: b.code.gitSha.slice(0, 7),
      change: a.code.gitSha === b.code.gitSha ? "same" : "differs",
    },
  ];
  const fa = new Map(a.metrics.per_tag.map((s) => [s.tag, s.f05]));
  const fb = new Map(b.metrics.per_tag.map((s) => [s.tag, s.f05]));
  const tags = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const perTag = tags.map((tag) => ({
    tag,
    [`F0.5 ${a.run_id}`]: fa.get(tag),
    [`F0.5 ${b.run_id}`]: fb.get(tag),
    change: fa.has(tag) && fb.has(tag) ? fb.get(tag)! - fa.get(tag)! : undefined,
  }));
  return { summary, perTag };
}

/** An inline `<img>` with the bytes as a base64 data URL. */
export function imageHtml(bytes: Uint8Array, options: { mime?: string; title?: string } = {}): string {
  const { mime = "image/jpeg" } = options;
  const title = options.title ? ` title="${escapeHtml(options.title)}"` : "";
  return `<img src="data:${mime};base64,${Buffer.from(bytes).toString("base64")}"${title} ` +
    `style="margin:2px;vertical-align:top"/>`;
}

export interface MediaHtmlOptions {
  /** Longest side of a thumbnail / side of a video frame, in pixels. @default 160 */
  size?: number;
  /** Frames shown per video. @default 4 */
  frames?: number;
}

/**
 * A post's media inline: image thumbnails, and a strip of frames sampled from each video. Media that
 * cannot be shown (no blob, undecodable) become a short note, so one bad file never stops a notebook.
 */
export async function mediaHtml(
  blobs: BlobStore,
  media: readonly DatasetMedia[],
  options: MediaHtmlOptions = {},
): Promise<string> {
  const { size = 160, frames = 4 } = options;
  const parts: string[] = [];
  for (const m of media) {
    if (!m.blob_sha256) {
      parts.push(`<em>${m.kind} ${m.position}: not stored (${escapeHtml(m.error ?? "no blob")})</em>`);
      continue;
    }
    try {
      const path = await blobs.localPath(m.blob_sha256);
      if (m.kind === "image") {
        parts.push(imageHtml(await imageThumbnail(path, { size }), { title: `image ${m.position}` }));
      } else {
        const v = await sampleVideoFrames(path, { size, frames });
        for (const [i, img] of v.images.entries()) {
          const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
            .jpeg({ quality: 75 }).toBuffer();
          parts.push(
            imageHtml(new Uint8Array(jpeg), {
              title: `video ${m.position} at ${v.positionsS[i].toFixed(2)} s`,
            }),
          );
        }
      }
    } catch (err) {
      parts.push(`<em>${m.kind} ${m.position}: cannot show (${escapeHtml((err as Error).message)})</em>`);
    }
  }
  return `<div>${parts.join("")}</div>`;
}

/** One post as a card: platform, time, languages, text, tags, model suggestions, then its media. */
export function postCardHtml(
  post: DatasetPost,
  options: { media?: string; suggestions?: readonly { tag: string; probability: number }[] } = {},
): string {
  const lang = [post.doc.lang, post.doc.lang_detected && `detected ${post.doc.lang_detected}`]
    .filter(Boolean).join(", ") || "unknown";
  const when = post.created_at
    ? new Date(post.created_at).toISOString().slice(0, 16).replace("T", " ")
    : "no time";
  const suggested = options.suggestions?.length
    ? options.suggestions.map((s) => `${escapeHtml(s.tag)} ${s.probability.toFixed(2)}`).join(", ")
    : "none";
  return `<div style="border:1px solid #ccc;padding:6px;margin:6px 0">` +
    `<div style="color:#666;font-size:smaller">${escapeHtml(post.platform)} · ${when} · ${
      escapeHtml(lang)
    } · ` +
    `${escapeHtml(post.id.slice(0, 12))}</div>` +
    `<div>${escapeHtml(post.doc.text ?? "")}</div>` +
    `<div style="font-size:smaller">tags: ${
      escapeHtml(post.tags.join(", ") || "none")
    } · suggested: ${suggested}</div>` +
    (options.media ?? "") + `</div>`;
}
