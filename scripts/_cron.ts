/** Crontab lines (the five standard fields, then a shell command) and when they are due, in UTC. */

export interface CronLine {
  /** The line as written, for messages. */
  spec: string;
  command: string;
  /** Allowed values of minute, hour, day of month, month, day of week (0 = Sunday). */
  fields: Set<number>[];
  /** Both day fields restricted: cron runs when either matches. */
  eitherDay: boolean;
}

const RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const NAMES = ["minute", "hour", "day of month", "month", "day of week"];

function field(text: string, i: number, where: string): Set<number> {
  const [lo, hi] = RANGES[i];
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = part.match(/^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/);
    if (!m) throw new SyntaxError(`Cannot read ${where}: ${NAMES[i]} "${part}" is not *, N, N-M or */N`);
    const step = m[2] ? Number(m[2]) : 1;
    const [from, to] = m[1] === "*"
      ? [lo, hi]
      : m[1].includes("-")
      ? m[1].split("-").map(Number)
      : [Number(m[1]), m[2] ? hi : Number(m[1])]; // "N/S": from N on, every S
    if (from < lo || to > hi || from > to || step < 1) {
      throw new RangeError(`Cannot read ${where}: ${NAMES[i]} "${part}" is outside ${lo}-${hi}`);
    }
    for (let v = from; v <= to; v += step) out.add(i === 4 && v === 7 ? 0 : v);
  }
  return out;
}

/** Reads a crontab: blank lines and # comments are skipped; anything else must be a valid line. */
export function parseCrontab(text: string, source = "crontab"): CronLine[] {
  const out: CronLine[] = [];
  for (const [n, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const where = `${source}:${n + 1}`;
    const parts = line.split(/\s+/);
    if (parts.length < 6) {
      throw new SyntaxError(`Cannot read ${where}: expected five time fields and a command`);
    }
    const fields = parts.slice(0, 5).map((f, i) => field(f, i, where));
    const command = line.replace(/^(\S+\s+){5}/, "");
    out.push({ spec: line, command, fields, eitherDay: parts[2] !== "*" && parts[4] !== "*" });
  }
  return out;
}

/** The line is due in the minute of `t` (UTC). */
export function due(line: CronLine, t: Date): boolean {
  const [min, hour, dom, month, dow] = line.fields;
  if (!min.has(t.getUTCMinutes()) || !hour.has(t.getUTCHours()) || !month.has(t.getUTCMonth() + 1)) {
    return false;
  }
  const d = dom.has(t.getUTCDate()), w = dow.has(t.getUTCDay());
  return line.eitherDay ? d || w : d && w;
}

/** The first minute after `t` when the line is due (within a year). */
export function nextRun(line: CronLine, t: Date): Date | undefined {
  let m = Math.floor(t.getTime() / 60_000) + 1;
  for (const end = m + 366 * 24 * 60; m < end; m++) {
    const d = new Date(m * 60_000);
    if (due(line, d)) return d;
  }
  return undefined;
}
