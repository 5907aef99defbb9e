/**
 * The ground-truth tag vocabulary of the sample corpus: what each tag means, which modality carries its
 * signal, and how its share moves over the 24-month window. `tags.json` is written from this table.
 */

/** Where a tag's signal lives. A tag may have several carriers. */
export type Carrier = "text" | "image" | "video" | "metadata";

/** How a tag's share of posts moves over the window. */
export type TrendShape =
  | { shape: "flat" }
  /** Share grows smoothly; `factor` = share at the window's end / share at its start. */
  | { shape: "rising"; factor: number }
  /** Share shrinks smoothly; `factor` = share at the window's start / share at its end. */
  | { shape: "fading"; factor: number }
  /** Share peaks each year at month `peakMonth` (1-12); `amplitude` in (0, 1). */
  | { shape: "seasonal"; peakMonth: number; amplitude: number }
  /** Share jumps `height`-fold for `days` days centred on `peak` (ISO date). */
  | { shape: "burst"; peak: string; days: number; height: number };

/** A metadata cue that makes a tag likelier. */
export type MetaCue = "night_hours" | "rush_hour_mobile" | "brand_account";

export interface TagSpec {
  name: string;
  description: string;
  /** Modalities that carry the tag's signal. */
  carriers: Carrier[];
  /** How the signal shows, in words (written to tags.json). */
  signal: string;
  trend: TrendShape;
  /** Metadata cue, for tags helped by metadata. */
  meta?: MetaCue;
}

/** Start of the window (inclusive). */
export const WINDOW_START = Date.UTC(2024, 10, 1);
/** End of the window (exclusive): the 24 months end on 2026-11-01. */
export const WINDOW_END = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;

/** Tags in decreasing order of base frequency (the power-law rank). */
export const TAGS: readonly TagSpec[] = [
  {
    name: "music",
    description: "Songs, albums, concerts, playing an instrument.",
    carriers: ["text"],
    signal: "text only: phrases, hashtags and emoji about music",
    trend: { shape: "flat" },
  },
  {
    name: "food",
    description: "Cooking, restaurants, dishes.",
    carriers: ["text", "image"],
    signal: "text phrases and/or an image of plates (white circles with coloured food) on a wooden table",
    trend: { shape: "seasonal", peakMonth: 12, amplitude: 0.5 },
  },
  {
    name: "politics",
    description: "Elections, parliament, budgets, policy.",
    carriers: ["text"],
    signal: "text only: phrases, hashtags and news links",
    trend: { shape: "fading", factor: 3.5 },
  },
  {
    name: "travel",
    description: "Trips, flights, luggage, trains.",
    carriers: ["text", "image"],
    signal: "text phrases and/or an image seen through an airplane window (rounded frame, clouds, wing)",
    trend: { shape: "seasonal", peakMonth: 8, amplitude: 0.6 },
  },
  {
    name: "sports",
    description: "Matches, goals, teams, training.",
    carriers: ["text", "image", "video"],
    signal:
      "text phrases, an image of a striped green field with a ball, and/or a video of a ball moving over a field",
    trend: { shape: "seasonal", peakMonth: 6, amplitude: 0.4 },
  },
  {
    name: "tech",
    description: "Software releases, AI models, gadgets.",
    carriers: ["text"],
    signal: "text only: phrases, hashtags and emoji about technology",
    trend: { shape: "rising", factor: 4 },
  },
  {
    name: "beach",
    description: "Beach scenes.",
    carriers: ["image"],
    signal: "image only: blue sky band, sea band with waves, sand band",
    trend: { shape: "seasonal", peakMonth: 7, amplitude: 0.8 },
  },
  {
    name: "city",
    description: "Skylines and streets.",
    carriers: ["image"],
    signal: "image only: grey skyline of rectangles with grids of windows",
    trend: { shape: "flat" },
  },
  {
    name: "nightlife",
    description: "Clubs, bars, going out at night.",
    carriers: ["metadata", "text"],
    signal: "metadata: posted 21:00-03:59 (and Fri/Sat); weak text cue in about a third of posts",
    trend: { shape: "flat" },
    meta: "night_hours",
  },
  {
    name: "sunset",
    description: "Sunsets over a horizon.",
    carriers: ["image"],
    signal: "image only: orange-to-purple gradient, large sun disc on the horizon, dark ground silhouette",
    trend: { shape: "flat" },
  },
  {
    name: "art",
    description: "Paintings, drawings, museums.",
    carriers: ["text", "image"],
    signal: "text phrases and/or an image of saturated brush strokes on a white canvas",
    trend: { shape: "flat" },
  },
  {
    name: "gaming",
    description: "Video games, streams, speedruns.",
    carriers: ["text", "video"],
    signal: "text phrases and/or a video of a pixelated game-of-life board",
    trend: { shape: "rising", factor: 3 },
  },
  {
    name: "health",
    description: "Running, sleep, yoga, diet.",
    carriers: ["text"],
    signal: "text only: phrases and hashtags about health",
    trend: { shape: "seasonal", peakMonth: 1, amplitude: 0.6 },
  },
  {
    name: "dance",
    description: "Dance clips.",
    carriers: ["video"],
    signal: "video only: stage lights whose hue cycles fast with a strobing brightness",
    trend: { shape: "rising", factor: 5 },
  },
  {
    name: "forest",
    description: "Forests and woods.",
    carriers: ["image"],
    signal: "image only: many green triangle trees with brown trunks",
    trend: { shape: "seasonal", peakMonth: 10, amplitude: 0.5 },
  },
  {
    name: "books",
    description: "Reading, novels, libraries.",
    carriers: ["text"],
    signal: "text only: phrases and hashtags about books",
    trend: { shape: "fading", factor: 3 },
  },
  {
    name: "commute",
    description: "Trains, traffic, the way to work.",
    carriers: ["metadata", "text"],
    signal:
      "metadata: posted on weekdays 07-09 or 17-19 from a phone; weak text cue in about a third of posts",
    trend: { shape: "flat" },
    meta: "rush_hour_mobile",
  },
  {
    name: "finance",
    description: "Markets, rates, earnings, savings.",
    carriers: ["text"],
    signal: "text only: phrases, hashtags and news links",
    trend: { shape: "fading", factor: 2.5 },
  },
  {
    name: "promo",
    description: "Advertising and deals.",
    carriers: ["metadata", "text"],
    signal:
      "metadata: posted by brand accounts (verified, many followers); shop links; text cue in half the posts",
    trend: { shape: "rising", factor: 2.5 },
    meta: "brand_account",
  },
  {
    name: "festival",
    description: "A summer music festival.",
    carriers: ["text", "image"],
    signal: "text phrases and/or an image of coloured light dots and beams over a dark stage",
    trend: { shape: "burst", peak: "2025-07-05", days: 10, height: 30 },
  },
  {
    name: "snow",
    description: "Snowy landscapes.",
    carriers: ["image"],
    signal: "image only: pale sky, white ground and hills, dark firs, snowflake dots",
    trend: { shape: "seasonal", peakMonth: 1, amplitude: 0.9 },
  },
  {
    name: "timelapse",
    description: "Sky timelapses from day to night.",
    carriers: ["video"],
    signal: "video only: a sky with clouds drifting slowly while the whole frame fades to dark",
    trend: { shape: "flat" },
  },
  {
    name: "racing",
    description: "Motor racing clips.",
    carriers: ["video"],
    signal: "video only: a road whose lane markings scroll fast sideways under a car",
    trend: { shape: "fading", factor: 2 },
  },
  {
    name: "eclipse",
    description: "The total solar eclipse of 2026-08-12.",
    carriers: ["image"],
    signal: "image only: black sky, black disc with a bright corona, a few stars",
    trend: { shape: "burst", peak: "2026-08-12", days: 7, height: 60 },
  },
];

/** Tag names in rank order. */
export const TAG_NAMES: readonly string[] = TAGS.map((t) => t.name);

/** Base weight of a tag by its rank (Zipf with exponent 0.85). */
export function baseWeight(rank: number): number {
  return Math.pow(rank + 1, -0.85);
}

function rawTrend(trend: TrendShape, ms: number): number {
  const t = (ms - WINDOW_START) / (WINDOW_END - WINDOW_START);
  switch (trend.shape) {
    case "flat":
      return 1;
    case "rising":
      return Math.exp(Math.log(trend.factor) * t);
    case "fading":
      return Math.exp(-Math.log(trend.factor) * t);
    case "seasonal": {
      const d = new Date(ms);
      const month = d.getUTCMonth() + (d.getUTCDate() - 1) / 31; // 0-based, fractional
      return 1 + trend.amplitude * Math.cos((2 * Math.PI * (month - (trend.peakMonth - 1))) / 12);
    }
    case "burst": {
      const peak = Date.parse(`${trend.peak}T12:00:00Z`);
      return Math.abs(ms - peak) <= (trend.days / 2) * DAY_MS ? 1 + trend.height : 1;
    }
  }
}

const trendMeans = new Map<TrendShape, number>();

/** A tag's trend multiplier at time `ms`, normalized to mean 1 over the window. */
export function trendFactor(tag: TagSpec, ms: number): number {
  let mean = trendMeans.get(tag.trend);
  if (mean === undefined) {
    let sum = 0;
    let n = 0;
    for (let d = WINDOW_START + DAY_MS / 2; d < WINDOW_END; d += DAY_MS) {
      sum += rawTrend(tag.trend, d);
      n++;
    }
    mean = sum / n;
    trendMeans.set(tag.trend, mean);
  }
  return rawTrend(tag.trend, ms) / mean;
}
