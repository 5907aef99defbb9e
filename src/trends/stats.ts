/** Small statistics for proportions: Wilson intervals, the two-proportion z-test, additive smoothing. */

/** The 95% two-sided normal quantile. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` out of `trials` (`z` = normal quantile of the confidence).
 * With no trials it is the whole [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, options: { z?: number } = {}): Interval {
  const z = options.z ?? Z95;
  if (trials <= 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Pooled two-proportion z statistic of a/n1 against b/n2 (positive when the first share is larger);
 * 0 when either side has no trials or the pooled share is 0 or 1.
 */
export function twoProportionZ(a: number, n1: number, b: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const pooled = (a + b) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (a / n1 - b / n2) / se;
}

/** Additively smoothed share: (x + alpha) / (n + 2 alpha). */
export function smoothedShare(x: number, n: number, alpha = 1): number {
  return (x + alpha) / (n + 2 * alpha);
}

/** Mean and population standard deviation. */
export function meanStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
