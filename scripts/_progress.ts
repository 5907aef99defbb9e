/** A progress bar on a terminal, silence when piped (logs and cron mail stay clean). */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progress(label: string, total: number, unit = "posts"): Progress {
  if (!Deno.stdout.isTerminal()) return { update() {}, setTotal() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `${label.padEnd(12)} {bar} {value}/{total} ${unit} | {eta_formatted} left | {note}`,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { note: "" });
  return {
    update: (done, extra) =>
      bar.update(done, { note: extra ? Object.entries(extra).map(([k, v]) => `${k} ${v}`).join(", ") : "" }),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}

/** Counts lines of a file cheaply, for a bar's total. */
export async function countLines(path: string): Promise<number> {
  let n = 0;
  using f = await Deno.open(path);
  for await (const chunk of f.readable) for (const b of chunk) if (b === 10) n++;
  return n;
}
