/**
 * The period an inference run covers. A cron job runs at a slightly different time each day, so the
 * period is snapped to whole windows: `--since 6h` means the last complete 6-hour window of UTC time
 * (00:00-06:00, 06:00-12:00, ...), and a rerun inside the same window names the same period — which is
 * what makes the run id, and therefore resuming, deterministic.
 */

export interface Period {
  /** Inclusive start. */
  from: Date;
  /** Exclusive end. */
  to: Date;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses `30m`, `6h`, `1d`, `2w` into milliseconds; throws a RangeError naming the spec otherwise. */
export function parseDuration(spec: string): number {
  const m = spec.trim().match(/^(\d+)\s*(m|h|d|w)$/);
  if (!m || Number(m[1]) === 0) {
    throw new RangeError(`Cannot read duration "${spec}": use a positive length like 30m, 6h, 1d or 2w`);
  }
  return Number(m[1]) * UNIT_MS[m[2]];
}

export interface PeriodOptions {
  /** End of the period (exclusive). @default the start of the current window, snapped to `since` */
  until?: Date;
  /** The clock. @default new Date() */
  now?: Date;
}

/** The period `since` long that ends at `until`, or else at the last window boundary before `now`. */
export function inferPeriod(since: string, options: PeriodOptions = {}): Period {
  const length = parseDuration(since);
  const now = (options.now ?? new Date()).getTime();
  const to = options.until?.getTime() ?? Math.floor(now / length) * length;
  if (Number.isNaN(to)) throw new RangeError(`Cannot use period end "${options.until}": not a date`);
  return { from: new Date(to - length), to: new Date(to) };
}
