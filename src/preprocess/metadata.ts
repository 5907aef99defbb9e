/**
 * Metadata features: a transform FITTED on the training window and saved as plain JSON, so that inference
 * applies exactly the same imputation, scaling and category buckets.
 *
 * Per field kind, the output columns (see {@link featureNames}):
 * - numeric: `[value, <name>_missing]`. A missing value (undefined, null, NaN, ±Infinity) takes the training
 *   median and sets the flag to 1. With `log1p`, the value becomes `log1p(max(0, x))` (counts are never
 *   negative). Then scaling: `"standard"` `(y - mean) / std`, `"minmax"` `(y - min) / (max - min)` (not
 *   clipped: values past the training range go past [0, 1]), or `"none"`. Statistics come from the observed
 *   training values; a zero spread becomes 1.
 * - categorical: one-hot over the categories seen at least `minCount` times (at most `maxCategories`, the
 *   most frequent), sorted by name, plus a last `<name>=<unknown>` column for everything else: categories
 *   unseen in training or rarer than `minCount`. Values are trimmed and lower-cased. A missing value takes the
 *   training mode (`impute: "mode"`, the default) or goes to the unknown bucket (`impute: "unknown"`).
 * - boolean: `[value, <name>_missing]`; true/1 -> 1, false/0 -> 0, missing -> the training mode and flag 1.
 * - time (Date, epoch milliseconds or ISO string, read in UTC): hour of day and day of week on the circle,
 *   `[hour_sin, hour_cos, weekday_sin, weekday_cos, <name>_missing]` with `hour = h + min/60` over 24 and
 *   `weekday` 0 (Sunday) .. 6 over 7. A missing time gives zeros (no direction) and flag 1.
 *
 * {@link postMetadataRow} turns a {@link RawPost} into a row with the field names of
 * {@link DEFAULT_METADATA_SPEC}.
 *
 * @module
 */

import type { RawPost } from "@/ingest/mod.ts";

/** A value of one field in a row; `undefined`/`null` mean missing. */
export type MetadataValue = number | string | boolean | Date | null | undefined;
/** One record: field name -> value. Fields absent from the row are missing. */
export type MetadataRow = Readonly<Record<string, MetadataValue>>;

export type Scaling = "standard" | "minmax" | "none";

export interface NumericFieldSpec {
  name: string;
  kind: "numeric";
  /** Apply `log1p(max(0, x))` before scaling, for heavy-tailed counts. @default false */
  log1p?: boolean;
  /** Overrides the spec's scaling for this field. @default spec.scaling */
  scaling?: Scaling;
}
export interface CategoricalFieldSpec {
  name: string;
  kind: "categorical";
  /** Categories seen fewer times go to the unknown bucket. @default spec.minCount */
  minCount?: number;
  /** Keep at most this many categories (the most frequent; ties by name). @default 50 */
  maxCategories?: number;
  /** Where a missing value goes. @default "mode" */
  impute?: "mode" | "unknown";
}
export interface BooleanFieldSpec {
  name: string;
  kind: "boolean";
}
export interface TimeFieldSpec {
  name: string;
  kind: "time";
}
export type FieldSpec = NumericFieldSpec | CategoricalFieldSpec | BooleanFieldSpec | TimeFieldSpec;

/** The declared schema and the fitting options. */
export interface MetadataSpec {
  fields: readonly FieldSpec[];
  /** Scaling of numeric fields unless a field says otherwise. @default "standard" */
  scaling?: Scaling;
  /** Default `minCount` of categorical fields. @default 5 */
  minCount?: number;
}

export interface FittedNumeric {
  kind: "numeric";
  name: string;
  log1p: boolean;
  scaling: Scaling;
  /** Training median of the raw value, imputed for missing values. */
  median: number;
  /** Subtracted after log1p: the mean (standard), the minimum (minmax) or 0 (none). */
  offset: number;
  /** Divides after subtracting: the std (standard), max - min (minmax) or 1 (none); never 0. */
  spread: number;
}
export interface FittedCategorical {
  kind: "categorical";
  name: string;
  /** Known categories in column order; the unknown bucket comes after them. */
  categories: string[];
  /** Category a missing value takes, or null for the unknown bucket. */
  impute: string | null;
}
export interface FittedBoolean {
  kind: "boolean";
  name: string;
  /** Value (0/1) a missing value takes: the training majority (false on a tie). */
  mode: 0 | 1;
}
export interface FittedTime {
  kind: "time";
  name: string;
}
export type FittedField = FittedNumeric | FittedCategorical | FittedBoolean | FittedTime;

/** The fitted transform: plain JSON, written with `JSON.stringify` and read back with `JSON.parse`. */
export interface MetadataTransform {
  version: 1;
  fields: FittedField[];
  /** Length of the vectors {@link applyMetadataTransform} returns. */
  dim: number;
  /** Rows it was fitted on. */
  fittedRows: number;
}

const UNKNOWN = "<unknown>";

/**
 * Fits the transform on training rows.
 *
 * @throws {RangeError} when `rows` is empty, a field name repeats, or an option is out of range.
 * @throws {TypeError} when a value does not fit its field's kind (see {@link applyMetadataTransform}).
 */
export function fitMetadataTransform(rows: readonly MetadataRow[], spec: MetadataSpec): MetadataTransform {
  if (rows.length === 0) throw new RangeError("Cannot fit metadata transform: no rows");
  const seen = new Set<string>();
  for (const f of spec.fields) {
    if (seen.has(f.name)) {
      throw new RangeError(`Cannot fit metadata transform: field "${f.name}" declared twice`);
    }
    seen.add(f.name);
  }
  const scaling = spec.scaling ?? "standard";
  const minCount = spec.minCount ?? 5;
  const fields = spec.fields.map((f): FittedField => {
    switch (f.kind) {
      case "numeric":
        return fitNumeric(f, rows, f.scaling ?? scaling);
      case "categorical":
        return fitCategorical(f, rows, f.minCount ?? minCount);
      case "boolean": {
        let ones = 0;
        let n = 0;
        for (const r of rows) {
          const v = readBoolean(f.name, r[f.name]);
          if (v !== null) {
            n++;
            ones += v;
          }
        }
        return { kind: "boolean", name: f.name, mode: ones * 2 > n ? 1 : 0 };
      }
      case "time":
        for (const r of rows) readTime(f.name, r[f.name]); // validate
        return { kind: "time", name: f.name };
      default:
        throw new TypeError(
          `Cannot fit metadata transform: unknown field kind "${(f as { kind: string }).kind}"`,
        );
    }
  });
  const t: MetadataTransform = { version: 1, fields, dim: 0, fittedRows: rows.length };
  t.dim = featureNames(t).length;
  return t;
}

function fitNumeric(f: NumericFieldSpec, rows: readonly MetadataRow[], scaling: Scaling): FittedNumeric {
  if (!["standard", "minmax", "none"].includes(scaling)) {
    throw new RangeError(`Cannot fit numeric field "${f.name}": unknown scaling "${scaling}"`);
  }
  const log1p = f.log1p ?? false;
  const raw: number[] = [];
  for (const r of rows) {
    const v = readNumber(f.name, r[f.name]);
    if (v !== null) raw.push(v);
  }
  const median = raw.length === 0 ? 0 : medianOf(raw);
  const ys = raw.map((x) => (log1p ? Math.log1p(Math.max(0, x)) : x));
  let offset = 0;
  let spread = 1;
  if (ys.length > 0 && scaling === "standard") {
    offset = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, y) => a + (y - offset) ** 2, 0) / ys.length;
    spread = Math.sqrt(variance);
  } else if (ys.length > 0 && scaling === "minmax") {
    offset = Math.min(...ys);
    spread = Math.max(...ys) - offset;
  }
  if (!(spread > 0) || !Number.isFinite(spread)) spread = 1;
  return { kind: "numeric", name: f.name, log1p, scaling, median, offset, spread };
}

function fitCategorical(
  f: CategoricalFieldSpec,
  rows: readonly MetadataRow[],
  minCount: number,
): FittedCategorical {
  const maxCategories = f.maxCategories ?? 50;
  if (!(minCount >= 1)) {
    throw new RangeError(`Cannot fit categorical field "${f.name}": minCount "${minCount}" < 1`);
  }
  if (!(maxCategories >= 0)) {
    throw new RangeError(`Cannot fit categorical field "${f.name}": maxCategories "${maxCategories}" < 0`);
  }
  const counts = new Map<string, number>();
  for (const r of rows) {
    const v = readCategory(f.name, r[f.name]);
    if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const byFrequency = [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
    .slice(0, maxCategories);
  const categories = byFrequency.map(([c]) => c).sort(compare);
  const impute = (f.impute ?? "mode") === "mode" && byFrequency.length > 0 ? byFrequency[0][0] : null;
  return { kind: "categorical", name: f.name, categories, impute };
}

/** Code-unit order, the same in every locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function readNumber(name: string, v: MetadataValue): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number") throw new TypeError(`Cannot read numeric field "${name}": got ${describe(v)}`);
  return Number.isFinite(v) ? v : null;
}

function readCategory(name: string, v: MetadataValue): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
    throw new TypeError(`Cannot read categorical field "${name}": got ${describe(v)}`);
  }
  const s = String(v).trim().toLowerCase();
  return s === "" ? null : s;
}

function readBoolean(name: string, v: MetadataValue): 0 | 1 | null {
  if (v === undefined || v === null) return null;
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  throw new TypeError(`Cannot read boolean field "${name}": got ${describe(v)}`);
}

function readTime(name: string, v: MetadataValue): Date | null {
  if (v === undefined || v === null) return null;
  let d: Date;
  if (v instanceof Date) d = v;
  else if (typeof v === "number" || typeof v === "string") d = new Date(v);
  else throw new TypeError(`Cannot read time field "${name}": got ${describe(v)}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function describe(v: MetadataValue): string {
  return v instanceof Date ? `Date "${v.toISOString()}"` : `${typeof v} "${String(v)}"`;
}

/** Column names of the vectors, in order (e.g. `followers`, `followers_missing`, `device=<unknown>`). */
export function featureNames(t: MetadataTransform): string[] {
  const names: string[] = [];
  for (const f of t.fields) {
    switch (f.kind) {
      case "numeric":
      case "boolean":
        names.push(f.name, `${f.name}_missing`);
        break;
      case "categorical":
        for (const c of f.categories) names.push(`${f.name}=${c}`);
        names.push(`${f.name}=${UNKNOWN}`);
        break;
      case "time":
        for (const p of ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "missing"]) {
          names.push(`${f.name}_${p}`);
        }
        break;
    }
  }
  return names;
}

/**
 * Applies a fitted transform to one row. Fields the transform does not know are ignored.
 *
 * @throws {TypeError} when a value does not fit its field: `Cannot read numeric field "followers": got string "12"`.
 * @throws {RangeError} when `t` is not a version-1 transform.
 */
export function applyMetadataTransform(t: MetadataTransform, row: MetadataRow): Float32Array {
  if (t?.version !== 1 || !Array.isArray(t.fields)) {
    throw new RangeError(`Cannot apply metadata transform: unsupported version "${String(t?.version)}"`);
  }
  const out = new Float32Array(t.dim);
  let i = 0;
  for (const f of t.fields) {
    const v = row[f.name];
    switch (f.kind) {
      case "numeric": {
        const x = readNumber(f.name, v);
        const raw = x ?? f.median;
        const y = f.log1p ? Math.log1p(Math.max(0, raw)) : raw;
        out[i++] = (y - f.offset) / f.spread;
        out[i++] = x === null ? 1 : 0;
        break;
      }
      case "boolean": {
        const b = readBoolean(f.name, v);
        out[i++] = b ?? f.mode;
        out[i++] = b === null ? 1 : 0;
        break;
      }
      case "categorical": {
        const c = readCategory(f.name, v) ?? f.impute;
        const k = c === null ? -1 : f.categories.indexOf(c);
        out[i + (k < 0 ? f.categories.length : k)] = 1;
        i += f.categories.length + 1;
        break;
      }
      case "time": {
        const d = readTime(f.name, v);
        if (d !== null) {
          const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
          const a = (2 * Math.PI * hour) / 24;
          const w = (2 * Math.PI * d.getUTCDay()) / 7;
          out.set([Math.sin(a), Math.cos(a), Math.sin(w), Math.cos(w), 0], i);
        } else out[i + 4] = 1;
        i += 5;
        break;
      }
    }
  }
  if (i !== t.dim) {
    throw new RangeError(`Cannot apply metadata transform: wrote ${i} values, dim is "${t.dim}"`);
  }
  return out;
}

/** Applies a transform to many rows: a row-major `rows.length * t.dim` matrix. */
export function applyMetadataTransformBatch(
  t: MetadataTransform,
  rows: readonly MetadataRow[],
): Float32Array {
  const out = new Float32Array(rows.length * t.dim);
  rows.forEach((r, k) => out.set(applyMetadataTransform(t, r), k * t.dim));
  return out;
}

/** Field names {@link postMetadataRow} fills, with a sensible spec for them. */
export const DEFAULT_METADATA_SPEC: MetadataSpec = {
  scaling: "standard",
  minCount: 5,
  fields: [
    { name: "followers", kind: "numeric", log1p: true },
    { name: "following", kind: "numeric", log1p: true },
    { name: "posts", kind: "numeric", log1p: true },
    { name: "account_age_days", kind: "numeric", log1p: true },
    { name: "text_length", kind: "numeric", log1p: true },
    { name: "image_count", kind: "numeric" },
    { name: "video_count", kind: "numeric" },
    { name: "verified", kind: "boolean" },
    { name: "platform", kind: "categorical" },
    { name: "device", kind: "categorical", impute: "unknown" },
    { name: "lang", kind: "categorical", maxCategories: 30 },
    { name: "created_at", kind: "time" },
  ],
};

/**
 * The metadata row of a post, with the field names of {@link DEFAULT_METADATA_SPEC}. `account_age_days`
 * is measured at the post's time (not now), so a row never changes; `lang` is the platform's declared
 * language, else `options.lang` (e.g. the detected one), lower-cased primary subtag (`en-US` -> `en`).
 */
export function postMetadataRow(post: RawPost, options: { lang?: string } = {}): MetadataRow {
  const u = post.user ?? {};
  const created = post.createdAt instanceof Date ? post.createdAt : undefined;
  const ageDays = u.createdAt instanceof Date && created !== undefined
    ? (created.getTime() - u.createdAt.getTime()) / 86_400_000
    : undefined;
  const lang = post.lang ?? options.lang;
  return {
    followers: u.followers,
    following: u.following,
    posts: u.posts,
    account_age_days: ageDays,
    text_length: post.text === undefined ? 0 : [...post.text].length,
    image_count: post.media.filter((m) => m.kind === "image").length,
    video_count: post.media.filter((m) => m.kind === "video").length,
    verified: u.verified,
    platform: post.platform,
    device: post.device,
    lang: lang === undefined || lang === "und" ? undefined : lang.split(/[-_]/)[0],
    created_at: created,
  };
}
