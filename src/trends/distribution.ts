/** Share of sampled posts carrying each tag, per day, week or month. */
import type { Db } from "@/store/mod.ts";
import type { TrendFilter } from "./_filter.ts";
import type { Bucket } from "./_periods.ts";
import { periodSeries } from "./_series.ts";

export type { Bucket };

export interface DistributionOptions extends TrendFilter {
  /** Period length; weeks start on Monday. @default "week" */
  bucket?: Bucket;
  /** Only these tags (by name). @default every tag predicted at least once in range */
  tags?: string[];
  /** Keep the `limit` tags with the most tagged posts over the range. @default all */
  limit?: number;
}

export interface TagSeries {
  tag: string;
  /** Tagged posts over the whole range. */
  tagged: number;
  /** Tagged posts per period, aligned with `Distribution.periods`. */
  counts: number[];
  /**
   * counts / the period's posts (0 when it has none), to {@link SHARE_DIGITS} significant digits, aligned
   * with `Distribution.periods`.
   */
  shares: number[];
  /**
   * The mean calibrated probability per period: the share estimate the quality benchmark found closest
   * to the true shares (data/bench/quality.json, `share_error`), since a tag's decisions are tuned for
   * F0.5 (precision first) and so undercount it. To {@link SHARE_DIGITS} significant digits.
   */
  expected_shares: number[];
}

/**
 * Which estimate `expected_shares` is, and why: of the three the quality benchmark measures (thresholded
 * counts, mean calibrated probabilities, counts adjusted by cross-validated rates), the mean probability
 * was closest to the true shares on every labeled set (data/bench/quality.json, `share_error`; e.g.
 * GoEmotions full 0.002 against 0.013 for counts and 0.008 adjusted).
 */
export const SHARE_ESTIMATE = {
  method: "probabilities",
  why: "mean calibrated probability: the share estimate closest to the true shares in the quality " +
    "benchmark (counts of F0.5-tuned decisions undercount a tag; adjusted counts were closer than counts, " +
    "not than probabilities)",
} as const;

/**
 * Significant digits of the shares sent: a rounding error of at most 5e-5 of the share, far below the
 * sampling error of any period (for p = 0.5 it takes 10^8 posts in a period for the standard error to
 * shrink to 5e-5 of p), while the 17 digits of a float were most of a two-year daily body.
 */
export const SHARE_DIGITS = 4;

/** `x` in [0, 1] to {@link SHARE_DIGITS} significant digits (an integer over a power of ten: prints short). */
export function roundShare(x: number): number {
  if (x <= 0) return 0;
  // The power of ten by comparisons (Math.log10 per value was a tenth of a daily request's CPU).
  let scale = SCALE;
  while (x * scale < SCALE / 10 && scale < 1e20) scale *= 10;
  return Math.round(x * scale) / scale;
}

/** The scale of shares in [0.1, 1]: SHARE_DIGITS decimals. */
const SCALE = 10 ** SHARE_DIGITS;

/** A distribution as columns: each array is aligned with `periods`, so that no key repeats per period. */
export interface Distribution {
  bucket: Bucket;
  /** What `expected_shares` estimates with: {@link SHARE_ESTIMATE}. */
  share_estimate: typeof SHARE_ESTIMATE;
  /** Periods with sampled posts, in order, as their first day. */
  periods: string[];
  /** Sampled posts per period. */
  posts: number[];
  series: TagSeries[];
}

/** Tag shares per period from the aggregates; periods without sampled posts are left out. */
export async function tagDistribution(db: Db, options: DistributionOptions = {}): Promise<Distribution> {
  const bucket = options.bucket ?? "week";
  const { periods, counts: byTag, probs } = await periodSeries(db, bucket, options, {
    tags: options.tags,
    probs: true,
    limit: options.limit,
  });
  const posts = periods.map((p) => p.posts);
  const per = (xs: number[]) => xs.map((x, i) => (posts[i] > 0 ? roundShare(x / posts[i]) : 0));
  let kept = [...byTag.entries()].map(([tag, counts]) => ({
    tag,
    counts,
    tagged: counts.reduce((a, b) => a + b, 0),
  }));
  if (!options.tags) kept = kept.filter((s) => s.tagged > 0); // never predicted in range: no line
  kept.sort((a, b) => b.tagged - a.tagged || a.tag.localeCompare(b.tag));
  if (options.limit !== undefined) kept = kept.slice(0, options.limit);
  const series: TagSeries[] = kept.map(({ tag, tagged, counts }) => ({
    tag,
    tagged,
    counts,
    shares: per(counts),
    expected_shares: per(probs.get(tag) ?? counts.map(() => 0)),
  }));
  return {
    bucket,
    share_estimate: SHARE_ESTIMATE,
    periods: periods.map((p) => p.period),
    posts,
    series,
  };
}
