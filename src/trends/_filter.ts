/** The filter every trend query shares, turned into a parameterized WHERE fragment. */

/** Days are UTC calendar days written `YYYY-MM-DD`; both ends inclusive. */
export interface TrendFilter {
  from?: string;
  to?: string;
  platform?: string;
  lang?: string;
}

/**
 * The conditions whose value is given, joined by `and` ("true" when none), each `?` becoming the value's
 * `$n` placeholder; appends the values to `params`. Leaving out an absent bound (rather than writing
 * `$1 is null or day >= $1`) keeps the condition usable by an index in a prepared statement's plan.
 */
export function givenConditions(parts: [sql: string, value: unknown][], params: unknown[]): string {
  const out: string[] = [];
  for (const [sql, value] of parts) {
    if (value === null || value === undefined) continue;
    params.push(value);
    out.push(sql.replaceAll("?", `$${params.length}`));
  }
  return out.length > 0 ? out.join(" and ") : "true";
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
