/**
 * Time windows: `--since 24mo`, `30d`, `6h`, `2w`, or an ISO date. The product's default is the last
 * 24 months, which is also what the training window uses.
 */

export const DEFAULT_WINDOW = "24mo";

const UNITS: Record<string, (d: Date, n: number) => void> = {
  h: (d, n) => d.setTime(d.getTime() - n * 3_600_000),
  d: (d, n) => d.setTime(d.getTime() - n * 86_400_000),
  w: (d, n) => d.setTime(d.getTime() - n * 7 * 86_400_000),
  mo: (d, n) => d.setUTCMonth(d.getUTCMonth() - n),
  y: (d, n) => d.setUTCFullYear(d.getUTCFullYear() - n),
};

/** The start of a window ending at `now`. */
export function windowStart(spec: string, now: Date = new Date()): Date {
  const m = spec.trim().match(/^(\d+)\s*(h|d|w|mo|y)$/);
  if (m) {
    const d = new Date(now);
    UNITS[m[2]](d, Number(m[1]));
    return d;
  }
  const date = new Date(spec);
  if (/^\d{4}-\d{2}-\d{2}/.test(spec) && !Number.isNaN(date.getTime())) return date;
  throw new RangeError(
    `Cannot read window "${spec}": use a duration like 24mo, 30d, 6h, 2w, 1y or an ISO date`,
  );
}
