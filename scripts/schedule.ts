/**
 * Run the scheduled jobs of a crontab (the README's infer and retrain lines) in the foreground: the
 * scheduler service of compose.yaml, where no cron daemon runs. Times are UTC; each job runs in bash in
 * the working folder, its output goes to this process's output, and a job still running when its next
 * turn comes is not started twice.
 *
 *   deno task schedule                          run docker/crontab until stopped (SIGTERM, Ctrl-C)
 *   deno task schedule --crontab FILE           another crontab
 *   deno task schedule --once                   run every line once now, in order, and exit
 *   deno task schedule --list                   print each line's next run and exit
 */
import { parseCli, run, UsageError } from "./_cli.ts";
import { type CronLine, due, nextRun, parseCrontab } from "./_cron.ts";

async function runJob(line: CronLine): Promise<number> {
  const t0 = performance.now();
  console.log(`schedule: start ${JSON.stringify(line.command)}`);
  const status = await new Deno.Command("bash", {
    args: ["-c", line.command],
    stdout: "inherit",
    stderr: "inherit",
  })
    .spawn().status;
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`schedule: exit ${status.code} after ${s} s: ${JSON.stringify(line.command)}`);
  return status.code;
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    crontab: { type: "string", default: "docker/crontab", help: "the crontab to run" },
    once: {
      type: "boolean",
      default: false,
      help: "run every line once now and exit (non-zero if one failed)",
    },
    list: { type: "boolean", default: false, help: "print each line's next run (UTC) and exit" },
  });
  let lines: CronLine[];
  try {
    lines = parseCrontab(await Deno.readTextFile(values.crontab), values.crontab);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot read crontab "${values.crontab}": no such file`);
    }
    throw err;
  }
  if (lines.length === 0) {
    throw new UsageError(`Cannot schedule: crontab "${values.crontab}" has no job lines`);
  }
  if (values.list) {
    for (const l of lines) console.log(`${nextRun(l, new Date())?.toISOString() ?? "never"}  ${l.command}`);
    return 0;
  }
  if (values.once) {
    let failed = 0;
    for (const l of lines) if ((await runJob(l)) !== 0) failed++;
    return failed ? 1 : 0;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  const running = new Map<CronLine, Promise<number>>();
  console.log(`schedule: ${lines.length} jobs from ${values.crontab}`);
  for (const l of lines) console.log(`  next ${nextRun(l, new Date())?.toISOString()}  ${l.command}`);
  while (!stop.signal.aborted) {
    const now = Date.now();
    const wait = 60_000 - (now % 60_000) + 50; // just after the next minute starts
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      stop.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    if (stop.signal.aborted) break;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    for (const l of lines.filter((l) => due(l, minute))) {
      if (running.has(l)) {
        console.log(`schedule: still running, not started again: ${JSON.stringify(l.command)}`);
        continue;
      }
      running.set(l, runJob(l).finally(() => running.delete(l)));
    }
  }
  console.log(`schedule: stopping; waiting for ${running.size} running jobs`);
  await Promise.all(running.values());
  Deno.removeSignalListener("SIGTERM", onSignal);
  Deno.removeSignalListener("SIGINT", onSignal);
  return 0;
}

if (import.meta.main) await run(main);
