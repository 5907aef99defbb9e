/**
 * Bursts: tags whose share of a period spikes above its trailing baseline. For each period the z-score
 * is (share - mean) / sd over the previous `window` periods (those with sampled posts), where sd is the
 * largest of the window's standard deviation, the binomial standard error sqrt(mean (1 - mean) / posts)
 * and 1 / posts (so a flat zero baseline does not divide by zero). Consecutive periods with
 * z >= threshold and at least `minCount` tagged posts form one burst.
 */
import type { Db } from "@/store/mod.ts";
import { addDays, filterSql, toDay, type TrendFilter } from "./_filter.ts";
import { meanStd } from "./stats.ts";

export interface BurstOptions extends TrendFilter {
  /** Period length. @default "day" */
  bucket?: "day" | "week";
  /** Trailing periods forming the baseline. @default 14 */
  window?: number;
  /** Fewest baseline periods needed to judge a period. @default 7 */
  minHistory?: number;
  /** z-score a period must reach. @default 3 */
  threshold?: number;
  /** Fewest tagged posts a burst period needs. @default 5 */
  minCount?: number;
  /** Only this tag. */
  tag?: string;
}

export interface Burst {
  tag: string;
  /** First and last period of the burst, and the period with the highest z. */
  start: string;
  end: string;
  peak: string;
  peakZ: number;
  peakShare: number;
  peakTagged: number;
  /** Baseline mean share at the peak. */
  baseline: number;
  /** The burst reaches the last period of the range. */
  active: boolean;
}

export interface Bursts {
  bucket: "day" | "week";
  /** The last period with sampled posts in the range. */
  lastPeriod: string | null;
  bursts: Burst[];
}

export async function detectBursts(db: Db, options: BurstOptions = {}): Promise<Bursts> {
  const bucket = options.bucket ?? "day";
  const window = options.window ?? 14;
  const minHistory = options.minHistory ?? Math.min(7, window);
  const threshold = options.threshold ?? 3;
  const minCount = options.minCount ?? 5;
  const from = options.from ? toDay(options.from) : undefined;
  // Read enough history before `from` to fill the first baseline.
  const readFrom = from ? addDays(from, -(window + 1) * (bucket === "week" ? 7 : 1)) : undefined;
  const f: TrendFilter = { ...options, from: readFrom };
  const pParams: unknown[] = [bucket];
  const periods = await db.query<{ period: string; posts: number }>(
    `select to_char(date_trunc($1, day::timestamp), 'YYYY-MM-DD') as period, sum(posts)::int as posts
     from sampled_daily where ${filterSql(f, pParams)} group by 1 having sum(posts) > 0 order by 1`,
    pParams,
  );
  const tParams: unknown[] = [bucket];
  let tagCond = "";
  const where = filterSql(f, tParams, "d");
  if (options.tag) {
    tParams.push(options.tag);
    tagCond = ` and t.name = $${tParams.length}`;
  }
  const rows = await db.query<{ period: string; tag: string; tagged: number }>(
    `select to_char(date_trunc($1, d.day::timestamp), 'YYYY-MM-DD') as period, t.name as tag,
            sum(d.tagged)::int as tagged
     from tag_daily d join tags t on t.id = d.tag_id where ${where}${tagCond} group by 1, 2`,
    tParams,
  );
  const byTag = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (!byTag.has(r.tag)) byTag.set(r.tag, new Map());
    byTag.get(r.tag)!.set(r.period, r.tagged);
  }
  // Periods that start before `from` only serve as baseline (a week starting before `from` still counts).
  const firstJudged = from ? (bucket === "week" ? weekStart(from) : from) : "";
  const lastPeriod = periods.at(-1)?.period ?? null;
  const bursts: Burst[] = [];
  for (const [tag, counts] of byTag) {
    const shares = periods.map((p) => (counts.get(p.period) ?? 0) / p.posts);
    let open: Burst | undefined;
    const close = () => {
      if (open) bursts.push(open);
      open = undefined;
    };
    periods.forEach((p, i) => {
      const history = shares.slice(Math.max(0, i - window), i);
      const tagged = counts.get(p.period) ?? 0;
      if (p.period < firstJudged || history.length < minHistory) return;
      const { mean, std } = meanStd(history);
      const sd = Math.max(std, Math.sqrt((mean * (1 - mean)) / p.posts), 1 / p.posts);
      const z = (shares[i] - mean) / sd;
      if (z >= threshold && tagged >= minCount) {
        if (!open) {
          open = {
            tag,
            start: p.period,
            end: p.period,
            peak: p.period,
            peakZ: z,
            peakShare: shares[i],
            peakTagged: tagged,
            baseline: mean,
            active: false,
          };
        }
        open.end = p.period;
        open.active = p.period === lastPeriod;
        if (z > open.peakZ) {
          Object.assign(open, {
            peak: p.period,
            peakZ: z,
            peakShare: shares[i],
            peakTagged: tagged,
            baseline: mean,
          });
        }
      } else close();
    });
    close();
  }
  bursts.sort((a, b) => b.peakZ - a.peakZ || a.tag.localeCompare(b.tag));
  return { bucket, lastPeriod, bursts };
}

function weekStart(day: string): string {
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((dow + 6) % 7));
}
