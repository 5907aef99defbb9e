/**
 * Kills jobs with SIGKILL at seeded random points and compares what they leave with an uninterrupted
 * run. Two stores over the same hostile corpus and model: A runs `deno task ingest`, `preprocess` and
 * `infer` once each, timed; B runs each stage, killed `kills` times at a seeded random moment within
 * A's time for that stage, then once to the end (infer waits out its short lease when a killed run still holds it).
 * Then every table and feature key of B must equal A's: no duplicate, no loss.
 */
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { inferWorld, PERIOD_END } from "./infer_world.ts";
import { createRng } from "@/core/mod.ts";
import { selectBackend } from "@/model/mod.ts";
import { type Db, openPglite, openPostgres } from "@/store/mod.ts";
import { freshPglite, freshPostgres, pgliteTemplate } from "./db.ts";
import { buildHostileCorpus, filesContaining, type HostileCorpus } from "./hostile_corpus.ts";

export type Stage = "ingest" | "preprocess" | "infer";
export const STAGES: Stage[] = ["ingest", "preprocess", "infer"];

export interface FaultOptions {
  engine: "postgres" | "pglite";
  /** SIGKILLs per stage. @default 3 */
  kills?: number;
  /** @default 1 */
  seed?: number;
  /** Good posts in the corpus, each with its own image. @default 120 */
  good?: number;
  /** Lease of an infer run, seconds: a rerun waits this long after a kill. @default 2 */
  leaseSeconds?: number;
}

export interface StageReport {
  /** Seconds of the uninterrupted run. */
  seconds: number;
  kills: number;
  /** Kills that hit a running job (the others found it already finished). */
  killsLanded: number;
  /** Runs that ended with a code other than 0 or 75 (busy) without being killed. */
  crashes: number;
  /** Reruns answered 75 (busy) while a killed run's lease ran out. */
  busyRetries: number;
  /** Rows (or feature keys) B has that A has not, and A has that B has not. */
  duplicates: number;
  losses: number;
  rows: number;
  /** Each killed attempt: when the kill was due, and how the job ended. */
  attempts: { killAtS: number; code: number; killed: boolean; endedS: number; said?: string }[];
  /** A few of the differing rows, to say what went wrong. */
  differences?: { extra: string[]; missing: string[] };
}

export interface FaultReport {
  engine: string;
  seed: number;
  rowsTried: number;
  accountedFor: number;
  stages: Record<Stage, StageReport>;
  /** Files of the blob stores holding bytes from outside the import folder. */
  outsideBytesInBlobs: number;
}

interface Side {
  env: Record<string, string>;
  dataDir: string;
  /** Opens the side's database (PGlite: only while no job holds it). */
  open(): Promise<Db>;
  close(): Promise<void>;
}

const INFER_ARGS = (lease: number) => [
  "--since",
  "1d",
  "--until",
  PERIOD_END.toISOString(),
  "--sample",
  "100000",
  "--seed",
  "1",
  "--batch-size",
  "8",
  "--lease",
  String(lease),
];

export async function runFaults(options: FaultOptions): Promise<FaultReport> {
  const kills = options.kills ?? 3;
  const seed = options.seed ?? 1;
  const lease = options.leaseSeconds ?? 2;
  const rand = createRng(seed);
  const world = await inferWorld();
  const corpus = await buildHostileCorpus({
    good: options.good ?? 120,
    periodEnd: PERIOD_END,
    distinctImages: true,
  });
  const sides: Side[] = [];
  try {
    // The model, trained once on the world's own labeled posts (on the backend the jobs pick, set up
    // first: a process that imported the wasm backend has it registered but not initialized).
    await selectBackend({ backend: "auto" });
    const trainDb = await freshPglite();
    try {
      await world.model(await world.storeFor(trainDb));
    } finally {
      await trainDb.close();
    }
    for (const name of ["a", "b"]) {
      sides.push(await side(options.engine, world.root, name, world.settings.modelsDir));
    }
    const args: Record<Stage, string[]> = {
      ingest: ["scripts/ingest.ts", "--source", `jsonl:${corpus.jsonl}`, "--batch-size", "10"],
      preprocess: ["scripts/preprocess.ts", "--in-process"], // the engine has its own kill test (tests/jobs_kill_test.ts)
      infer: ["scripts/infer.ts", "--in-process", ...INFER_ARGS(lease)],
    };
    const stages = {} as Record<Stage, StageReport>;
    let rowsTried = 0, accountedFor = 0;
    for (const stage of STAGES) {
      const [a, b] = sides;
      const t0 = performance.now();
      const clean = await job(args[stage], a.env);
      const seconds = (performance.now() - t0) / 1000;
      if (clean.code !== 0) throw new Error(`uninterrupted ${stage} failed (${clean.code}): ${clean.stderr}`);
      const report: StageReport = {
        seconds: Math.round(seconds * 10) / 10,
        kills,
        killsLanded: 0,
        crashes: 0,
        busyRetries: 0,
        duplicates: 0,
        losses: 0,
        rows: 0,
        attempts: [],
      };
      for (let k = 0; k < kills; k++) {
        // A random point in the first 60% of the clean run's time, halved for each later kill: the
        // killed runs already did part of the work, so the rerun has less left.
        const delayMs = (0.05 + 0.55 * rand()) * seconds * 1000 * 0.5 ** k;
        const t = performance.now();
        const r = await job(args[stage], b.env, delayMs);
        report.attempts.push({
          killAtS: Math.round(delayMs / 100) / 10,
          code: r.code,
          killed: r.killed,
          endedS: Math.round((performance.now() - t) / 100) / 10,
          ...(r.killed ? {} : { said: r.stderr.trim().split("\n").at(-1)?.slice(0, 200) }),
        });
        if (r.killed) report.killsLanded++;
        else if (r.code !== 0 && r.code !== 75) report.crashes++;
      }
      for (let attempt = 0;; attempt++) {
        const r = await job(args[stage], b.env);
        if (r.code === 0) break;
        if (r.code === 75 && attempt < 20) {
          report.busyRetries++;
          await new Promise((res) => setTimeout(res, (lease + 1) * 1000));
          continue;
        }
        report.crashes++;
        throw new Error(`${stage} did not finish after the kills (${r.code}): ${r.stderr.slice(-2000)}`);
      }
      const [want, got] = [await snapshot(stage, a), await snapshot(stage, b)];
      report.rows = want.size;
      const extra = [...got].filter((x) => !want.has(x));
      const missing = [...want].filter((x) => !got.has(x));
      report.duplicates = extra.length;
      report.losses = missing.length;
      if (extra.length + missing.length > 0) {
        report.differences = { extra: extra.slice(0, 5).map(short), missing: missing.slice(0, 5).map(short) };
      }
      if (stage === "ingest") {
        rowsTried = corpus.lines;
        accountedFor = await ingestAccounting(b);
      }
      stages[stage] = report;
    }
    let outside = 0;
    for (const s of sides) {
      outside += (await filesContaining(join(s.dataDir, "blobs"), corpus.secrets)).length;
    }
    return { engine: options.engine, seed, rowsTried, accountedFor, stages, outsideBytesInBlobs: outside };
  } finally {
    for (const s of sides) await s.close().catch(() => {});
    await world.encoder.close();
    await Deno.remove(world.root, { recursive: true }).catch(() => {});
    await corpus.remove();
  }
}

/** The last ingest run's read = stored + duplicates + quarantined, as its summary in the runs table says. */
async function ingestAccounting(s: Side): Promise<number> {
  const db = await s.open();
  try {
    const [r] = await db.query<{ summary: Record<string, number> }>(
      "select summary from runs where kind = 'ingest' and status = 'succeeded' order by started_at desc limit 1",
    );
    const { read, stored, duplicates, quarantined, outsideWindow } = r.summary;
    return read === stored + duplicates + quarantined + outsideWindow ? read : -1;
  } finally {
    await s.close();
  }
}

async function side(
  engine: FaultOptions["engine"],
  root: string,
  name: string,
  modelsDir: string,
): Promise<Side> {
  const dataDir = join(root, `side-${name}`);
  await Deno.mkdir(dataDir, { recursive: true });
  // The image encoder's converted model, built once by the world: copied so no job rebuilds it.
  await new Deno.Command("cp", { args: ["-a", join(root, "data", "cache"), join(dataDir, "cache")] })
    .output();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    MODELS_DIR: modelsDir,
    ANON_SECRET: "k".repeat(40),
    RUNS_DIR: join(dataDir, "runs"),
  };
  let open: Db | undefined;
  if (engine === "postgres") {
    const pg = await freshPostgres();
    if (!pg) throw new Error("the fault test on PostgreSQL needs PostgreSQL installed");
    env.DATABASE_URL = pg.url;
    return {
      env,
      dataDir,
      open: async () => open ??= await openPostgres(pg.url, { max: 1 }),
      close: async () => {
        await open?.close();
        open = undefined;
      },
    };
  }
  // PGlite: each job opens data/pglite itself (one process at a time), so the side opens it only between jobs.
  const pgDir = join(dataDir, "pglite");
  const copied = await new Deno.Command("cp", { args: ["-a", await pgliteTemplate(), pgDir] }).output();
  if (!copied.success) {
    throw new Error(`Cannot copy the PGlite template: ${new TextDecoder().decode(copied.stderr)}`);
  }
  return {
    env,
    dataDir,
    open: async () => open ??= await openPglite(pgDir),
    close: async () => {
      await open?.close();
      open = undefined;
    },
  };
}

const short = (row: string) => row.length > 300 ? `${row.slice(0, 300)}…` : row;

/** One run of a script; with `killAfterMs`, SIGKILLed then (if still running). */
async function job(
  args: string[],
  env: Record<string, string>,
  killAfterMs?: number,
): Promise<{ code: number; killed: boolean; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let killed = false;
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
    try {
      child.kill("SIGKILL");
      killed = true;
    } catch { /* it had exited */ }
  }, killAfterMs);
  const status = await child.status;
  clearTimeout(timer);
  return { code: status.code, killed: killed && status.signal === "SIGKILL", stderr: await stderr };
}

/** What a stage leaves, as a set of strings: table rows, or feature keys. */
async function snapshot(stage: Stage, s: Side): Promise<Set<string>> {
  const out = new Set<string>();
  if (stage === "preprocess") {
    await walkFeatures(join(s.dataDir, "features"), "", out);
  }
  const db = await s.open();
  try {
    const queries: Record<Stage, string[]> = {
      ingest: [
        "select 'post', id, platform, content_hash, coalesce(user_followers::text, '') from posts",
        "select 'media', post_id, position, coalesce(blob_sha256, ''), coalesce(error, '') from media",
        // Tags by name: a serial id advances in transactions a kill rolled back.
        "select 'label', l.post_id, t.name, l.annotator from labels l join tags t on t.id = l.tag_id",
        "select 'q', item, modality from quarantine where stage = 'ingest'",
      ],
      preprocess: [
        "select 'q', item, modality from quarantine where stage = 'preprocess'",
        "select 'lang', id, coalesce(doc->>'lang_detected', '') from posts",
      ],
      infer: [
        `select 'p', p.run_id, p.post_id, t.name, p.probability::text, p.predicted::text
         from predictions p join tags t on t.id = p.tag_id`,
        "select 'q', source, item, modality from quarantine where stage = 'infer'",
      ],
    };
    for (const sql of queries[stage]) {
      for (const row of await db.query(sql)) out.add(Object.values(row).map(String).join("|"));
    }
  } finally {
    await s.close();
  }
  return out;
}

async function walkFeatures(dir: string, rel: string, out: Set<string>): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory) await walkFeatures(path, `${rel}/${e.name}`, out);
    else if (/^part-.+\.arrow$/.test(e.name)) {
      const keys = tableFromIPC(await Deno.readFile(path)).getChild("key");
      for (let i = 0; i < (keys?.length ?? 0); i++) out.add(`feature|${rel}|${keys!.get(i)}`);
    }
  }
}

export type { HostileCorpus };
