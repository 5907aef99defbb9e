/**
 * The precomputed series (trend_series, migration 7): per bucket and breakdown, every period with sampled
 * posts and each tag's counts aligned with them, as one JSON text. A full refresh builds them again from
 * trend_periods (TREND_SERIES_BUILD); a bounded one replaces the periods it touched in each series by the
 * rollup rows now there, so that an inference run's refresh does not rebuild two years of every series.
 */
import { type Db, TREND_SERIES_BUILD } from "@/store/mod.ts";
import { type Bucket, periodStart } from "./_periods.ts";

/** One series as stored: arrays aligned with `periods` (first days, ascending). */
export interface SeriesBody {
  periods: string[];
  posts: number[];
  /** Tagged posts per tag id; only tags tagged in some period. */
  tags: Record<string, number[]>;
  /** Probability sums in thousandths per tag id; only tags with some probability mass. */
  probs: Record<string, number[]>;
}

/** A rollup row's counts (a trend_periods row), keyed by tag id. */
export type SeriesRow = {
  period: string;
  posts: number;
  tags: Record<string, number>;
  probs: Record<string, number>;
};

const BUCKETS: Bucket[] = ["day", "week", "month"];

/** The stored series of one bucket and breakdown ('*': all); undefined when it has no period. */
export async function readSeries(
  db: Db,
  bucket: Bucket,
  breakdown: { platform?: string; lang?: string },
): Promise<SeriesBody | undefined> {
  const rows = await db.query<{ body: string }>(
    "select body from trend_series where bucket = $1 and platform = $2 and lang = $3",
    [bucket, breakdown.platform ?? "*", breakdown.lang ?? "*"],
  );
  return rows.length === 0 ? undefined : JSON.parse(rows[0].body);
}

/**
 * `body` with its periods in [first, last] (first days, inclusive) replaced by `rows` (the rollup rows of
 * that span now, in any order); tags left without a count anywhere are dropped, as a build from scratch
 * leaves them out.
 */
export function patchSeries(
  body: SeriesBody | undefined,
  first: string,
  last: string,
  rows: SeriesRow[],
): SeriesBody {
  const old = body ?? { periods: [], posts: [], tags: {}, probs: {} };
  let a = 0;
  while (a < old.periods.length && old.periods[a] < first) a++;
  let b = a;
  while (b < old.periods.length && old.periods[b] <= last) b++;
  const fresh = rows.filter((r) => r.posts > 0).sort((x, y) => (x.period < y.period ? -1 : 1));
  const splice = <T>(xs: T[], middle: T[]) => [...xs.slice(0, a), ...middle, ...xs.slice(b)];
  const column = (name: "tags" | "probs") => {
    const keys = new Set(Object.keys(old[name]));
    for (const r of fresh) for (const k in r[name]) keys.add(k);
    const out: Record<string, number[]> = {};
    for (const k of keys) {
      const before = old[name][k] ?? new Array<number>(old.periods.length).fill(0);
      const xs = splice(before, fresh.map((r) => r[name][k] ?? 0));
      if (xs.some((n) => n !== 0)) out[k] = xs;
    }
    return out;
  };
  return {
    periods: splice(old.periods, fresh.map((r) => r.period)),
    posts: splice(old.posts, fresh.map((r) => r.posts)),
    tags: column("tags"),
    probs: column("probs"),
  };
}

/**
 * Brings trend_series in line with trend_periods after a refresh of the days [from, to] (null: open).
 * Runs inside the refresh's transaction, after the period rollups were rebuilt.
 */
export async function refreshSeries(tx: Db, from: string | null, to: string | null): Promise<void> {
  if (from === null || to === null) {
    await tx.exec(`delete from trend_series; ${TREND_SERIES_BUILD}`);
    return;
  }
  // The periods each bucket's refresh touched: those holding a day of the range.
  const spans = BUCKETS.map((bucket) => ({
    bucket,
    first: periodStart(bucket, from),
    last: periodStart(bucket, to),
  }));
  const rows = await tx.query<SeriesRow & { bucket: Bucket; platform: string; lang: string }>(
    `select bucket, platform, lang, to_char(period, 'YYYY-MM-DD') as period, posts, tags, probs
     from trend_periods where ${
      spans.map((_, i) =>
        `(bucket = $${3 * i + 1} and period between $${3 * i + 2}::date and $${3 * i + 3}::date)`
      )
        .join(" or ")
    }`,
    spans.flatMap((s) => [s.bucket, s.first, s.last]),
  );
  const stored = await tx.query<{ bucket: Bucket; platform: string; lang: string; body: string }>(
    "select bucket, platform, lang, body from trend_series",
  );
  const key = (r: { bucket: string; platform: string; lang: string }) =>
    `${r.bucket}\t${r.platform}\t${r.lang}`;
  const fresh = new Map<string, SeriesRow[]>();
  for (const r of rows) fresh.set(key(r), [...fresh.get(key(r)) ?? [], r]);
  const bodies = new Map(stored.map((s) => [key(s), s.body]));
  const written: { bucket: string; platform: string; lang: string; body: string }[] = [];
  const emptied: { bucket: string; platform: string; lang: string }[] = [];
  for (const k of new Set([...bodies.keys(), ...fresh.keys()])) {
    const [bucket, platform, lang] = k.split("\t");
    const span = spans.find((s) => s.bucket === bucket)!;
    const old = bodies.has(k) ? JSON.parse(bodies.get(k)!) as SeriesBody : undefined;
    const body = patchSeries(old, span.first, span.last, fresh.get(k) ?? []);
    if (body.periods.length === 0) emptied.push({ bucket, platform, lang });
    else written.push({ bucket, platform, lang, body: JSON.stringify(body) });
  }
  if (emptied.length > 0) {
    await tx.query(
      `delete from trend_series t using jsonb_to_recordset($1::jsonb) k(bucket text, platform text, lang text)
       where t.bucket = k.bucket and t.platform = k.platform and t.lang = k.lang`,
      [JSON.stringify(emptied)],
    );
  }
  if (written.length > 0) {
    await tx.query(
      `insert into trend_series (bucket, platform, lang, body)
       select bucket, platform, lang, body
       from jsonb_to_recordset($1::jsonb) k(bucket text, platform text, lang text, body text)
       on conflict (bucket, platform, lang) do update set body = excluded.body`,
      [JSON.stringify(written)],
    );
  }
}
