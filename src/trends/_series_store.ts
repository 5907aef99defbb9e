/**
 * The precomputed series (trend_series and trend_series_tags, migration 7): per bucket and breakdown,
 * every period with sampled posts, and per tag its counts aligned with them, as JSON arrays in text. A
 * full refresh builds them again from trend_periods (TREND_SERIES_BUILD); a bounded one replaces the
 * periods it touched in each series by the rollup rows now there, so that an inference run's refresh does
 * not rebuild two years of every series.
 */
import { type Db, TREND_SERIES_BUILD } from "@/store/mod.ts";
import { type Bucket, periodStart } from "./_periods.ts";

/** One series: arrays aligned with `periods` (first days, ascending). */
export interface SeriesBody {
  periods: string[];
  posts: number[];
  /** Tagged posts per tag id. */
  tags: Record<string, number[]>;
  /** Probability sums in thousandths per tag id. */
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

type Key = { bucket: string; platform: string; lang: string };
const KEY = "bucket = $1 and platform = $2 and lang = $3";

/**
 * The stored series of one bucket and breakdown ('*': all) with every tag's counts (no probabilities),
 * and the names of its tags by id; undefined when it has no period. One query: a round trip costs more
 * CPU through postgres.js than a few KB of data.
 */
export async function readSeriesCounts(
  db: Db,
  bucket: Bucket,
  breakdown: { platform?: string; lang?: string },
): Promise<(SeriesBody & { names: Record<string, string> }) | undefined> {
  const rows = await db.query<{ id: number | null; name: string | null; a: string; b: string | null }>(
    `select null::int as id, null::text as name, periods as a, posts as b from trend_series where ${KEY}
     union all
     select s.tag_id, t.name, s.counts, null from trend_series_tags s join tags t on t.id = s.tag_id
     where s.${KEY.replaceAll(" and ", " and s.")}`,
    [bucket, breakdown.platform ?? "*", breakdown.lang ?? "*"],
  );
  const head = rows.find((r) => r.id === null);
  if (!head) return undefined;
  const tags: Record<string, number[]> = {};
  const names: Record<string, string> = {};
  for (const r of rows) {
    if (r.id === null) continue;
    tags[r.id] = JSON.parse(r.a);
    names[r.id] = r.name!;
  }
  return { periods: JSON.parse(head.a), posts: JSON.parse(head.b!), tags, probs: {}, names };
}

/** The stored probability sums (thousandths) of these tag ids in one series, by tag id. */
export async function readSeriesProbs(
  db: Db,
  bucket: Bucket,
  breakdown: { platform?: string; lang?: string },
  ids: string[],
): Promise<Record<string, number[]>> {
  if (ids.length === 0) return {};
  const rows = await db.query<{ id: number; probs: string }>(
    `select tag_id as id, probs from trend_series_tags
     where ${KEY} and tag_id in (select value::int from jsonb_array_elements_text($4::jsonb))`,
    [bucket, breakdown.platform ?? "*", breakdown.lang ?? "*", JSON.stringify(ids)],
  );
  return Object.fromEntries(rows.map((r) => [String(r.id), JSON.parse(r.probs)]));
}

/**
 * `body` with its periods in [first, last] (first days, inclusive) replaced by `rows` (the rollup rows of
 * that span now, in any order); a tag left without a count or probability anywhere is dropped, as a build
 * from scratch leaves it out.
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
  const splice = <T>(xs: T[], middle: T[]) => xs.slice(0, a).concat(middle, xs.slice(b));
  const ids = new Set([...Object.keys(old.tags), ...Object.keys(old.probs)]);
  for (const r of fresh) for (const id of [...Object.keys(r.tags), ...Object.keys(r.probs)]) ids.add(id);
  const out: SeriesBody = {
    periods: splice(old.periods, fresh.map((r) => r.period)),
    posts: splice(old.posts, fresh.map((r) => r.posts)),
    tags: {},
    probs: {},
  };
  const zeros = () => new Array<number>(old.periods.length).fill(0);
  for (const id of ids) {
    const tags = splice(old.tags[id] ?? zeros(), fresh.map((r) => r.tags[id] ?? 0));
    const probs = splice(old.probs[id] ?? zeros(), fresh.map((r) => r.probs[id] ?? 0));
    if (tags.some((n) => n !== 0) || probs.some((n) => n !== 0)) {
      out.tags[id] = tags;
      out.probs[id] = probs;
    }
  }
  return out;
}

/**
 * Brings the stored series in line with trend_periods after a refresh of the days [from, to] (null: open).
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
  const rows = await tx.query<SeriesRow & Key>(
    `select bucket, platform, lang, to_char(period, 'YYYY-MM-DD') as period, posts, tags, probs
     from trend_periods where ${
      spans.map((_, i) =>
        `(bucket = $${3 * i + 1} and period between $${3 * i + 2}::date and $${3 * i + 3}::date)`
      )
        .join(" or ")
    }`,
    spans.flatMap((s) => [s.bucket, s.first, s.last]),
  );
  const heads = await tx.query<Key & { periods: string; posts: string }>(
    "select bucket, platform, lang, periods, posts from trend_series",
  );
  const tagRows = await tx.query<Key & { tag_id: number; counts: string; probs: string }>(
    "select bucket, platform, lang, tag_id, counts, probs from trend_series_tags",
  );
  const stored = new Map<string, SeriesBody>();
  for (const h of heads) {
    stored.set(key(h), { periods: JSON.parse(h.periods), posts: JSON.parse(h.posts), tags: {}, probs: {} });
  }
  for (const t of tagRows) {
    const body = stored.get(key(t))!;
    body.tags[t.tag_id] = JSON.parse(t.counts);
    body.probs[t.tag_id] = JSON.parse(t.probs);
  }
  const fresh = new Map<string, SeriesRow[]>();
  for (const r of rows) fresh.set(key(r), [...fresh.get(key(r)) ?? [], r]);
  // The rows as they should be now, by key; only those that differ from the stored text are written.
  const series = new Map<string, Key & { periods: string; posts: string }>();
  const tags = new Map<string, TagRow>();
  for (const k of new Set([...stored.keys(), ...fresh.keys()])) {
    const [bucket, platform, lang] = k.split("\t");
    const span = spans.find((s) => s.bucket === bucket)!;
    const body = patchSeries(stored.get(k), span.first, span.last, fresh.get(k) ?? []);
    if (body.periods.length === 0) continue;
    series.set(k, {
      bucket,
      platform,
      lang,
      periods: JSON.stringify(body.periods),
      posts: JSON.stringify(body.posts),
    });
    for (const id in body.tags) {
      const [counts, probs] = [JSON.stringify(body.tags[id]), JSON.stringify(body.probs[id])];
      tags.set(`${k}\t${id}`, { bucket, platform, lang, tag_id: Number(id), counts, probs });
    }
  }
  const storedHeads = new Map(heads.map((h) => [key(h), h]));
  const storedTags = new Map(tagRows.map((t) => [tagKey(t), t]));
  await removeRows(tx, "trend_series", heads.filter((h) => !series.has(key(h))));
  await removeRows(tx, "trend_series_tags", tagRows.filter((t) => !tags.has(tagKey(t))));
  await upsert(
    tx,
    "trend_series",
    [...series].filter(([k, r]) =>
      storedHeads.get(k)?.periods !== r.periods || storedHeads.get(k)?.posts !== r.posts
    )
      .map(([, r]) => r),
  );
  await upsert(
    tx,
    "trend_series_tags",
    [...tags].filter(([k, r]) =>
      storedTags.get(k)?.counts !== r.counts || storedTags.get(k)?.probs !== r.probs
    )
      .map(([, r]) => r),
  );
}

type TagRow = Key & { tag_id: number; counts: string; probs: string };

const key = (r: Key) => `${r.bucket}\t${r.platform}\t${r.lang}`;
const tagKey = (r: TagRow) => `${key(r)}\t${r.tag_id}`;

const COLUMNS = {
  trend_series: { keys: ["bucket", "platform", "lang"], values: ["periods", "posts"] },
  trend_series_tags: { keys: ["bucket", "platform", "lang", "tag_id"], values: ["counts", "probs"] },
};
const typed = (c: string) => `${c} ${c === "tag_id" ? "int" : "text"}`;

/** Deletes these rows of `table` by key. */
async function removeRows(tx: Db, table: keyof typeof COLUMNS, rows: Key[]): Promise<void> {
  if (rows.length === 0) return;
  const { keys } = COLUMNS[table];
  await tx.query(
    `delete from ${table} t using jsonb_to_recordset($1::jsonb) k(${keys.map(typed).join(", ")})
     where ${keys.map((c) => `t.${c} = k.${c}`).join(" and ")}`,
    [JSON.stringify(rows.map((r) => Object.fromEntries(keys.map((c) => [c, r[c as keyof Key]]))))],
  );
}

/** Inserts these rows of `table`, replacing the values of those already there. */
async function upsert(tx: Db, table: keyof typeof COLUMNS, rows: Key[]): Promise<void> {
  if (rows.length === 0) return;
  const { keys, values } = COLUMNS[table];
  const all = [...keys, ...values];
  await tx.query(
    `insert into ${table} (${all.join(", ")})
     select ${all.join(", ")} from jsonb_to_recordset($1::jsonb) k(${all.map(typed).join(", ")})
     on conflict (${keys.join(", ")}) do update set ${values.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    [JSON.stringify(rows)],
  );
}
