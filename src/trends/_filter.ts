/** The filter every trend query shares, turned into a parameterized WHERE fragment. */

/** Days are UTC calendar days written `YYYY-MM-DD`; both ends inclusive. */
export interface TrendFilter {
  from?: string;
  to?: string;
  platform?: string;
  lang?: string;
}

/**
 * Appends the filter's values to `params` and returns the matching SQL condition over the columns
 * `day`, `platform`, `lang` (prefixed with `alias.` when given).
 */
export function filterSql(filter: TrendFilter, params: unknown[], alias = ""): string {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const parts = ["true"];
  const add = (value: unknown, cond: (p: string) => string) => {
    params.push(value);
    parts.push(cond(`$${params.length}`));
  };
  if (filter.from) add(filter.from, (p) => `${col("day")} >= ${p}::date`);
  if (filter.to) add(filter.to, (p) => `${col("day")} <= ${p}::date`);
  if (filter.platform) add(filter.platform, (p) => `${col("platform")} = ${p}`);
  if (filter.lang) add(filter.lang, (p) => `${col("lang")} = ${p}`);
  return parts.join(" and ");
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `Date` or `YYYY-MM-DD` string as a `YYYY-MM-DD` UTC day. */
export function toDay(value: Date | string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError(`Cannot use date "${value}": it is invalid`);
    return value.toISOString().slice(0, 10);
  }
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new RangeError(`Cannot use day "${value}": expected YYYY-MM-DD`);
  }
  return value;
}

/** `day` shifted by `n` days. */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Raised when a request names a tag that does not exist (the API answers 404). */
export class UnknownTagError extends Error {
  override name = "UnknownTagError";
}
