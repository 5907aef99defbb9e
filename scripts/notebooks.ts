/**
 * Execute the notebooks headless with the Deno Jupyter kernel, in order; stop at the first failing cell.
 *
 * Usage:
 *   deno task notebooks                              # notebooks/*.ipynb -> data/notebooks/*.ipynb
 *   deno task notebooks notebooks/02-label.ipynb     # only these
 *   deno task notebooks --dir notebooks --out data/notebooks --timeout 300
 *
 * Options:
 *   --dir DIR        folder of notebooks to run when none are named (default notebooks)
 *   --out DIR        where executed copies go (default <DATA_DIR>/notebooks, git-ignored)
 *   --timeout S      seconds a cell may run (default 300)
 *   --python PATH    the Python with jupyter_client + nbformat (default /usr/bin/python3)
 *   --kernel NAME    Jupyter kernel (default deno; installed with `deno jupyter --install` when missing)
 *
 * The notebooks see the same environment (DATA_DIR, DATABASE_URL, RUNS_DIR ...) and run from the repo
 * root, so `@/...` imports resolve. Exit 0 when every cell of every notebook ran; 1 with the notebook,
 * the cell number and the error otherwise. Needs: apt install python3-nbclient jupyter-client (or pip).
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSettings } from "@/config/mod.ts";
import { run, UsageError } from "./_cli.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNNER = join(ROOT, "scripts", "_run_notebook.py");

const DEFAULTS = {
  dir: "notebooks", // notebooks to run when none are named
  timeout: "300", // seconds per cell: the first import compiles the npm graph
  python: existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3", // Debian's, with python3-nbclient
  kernel: "deno",
};

const decoder = new TextDecoder();
/** Quiets debugpy's frozen-modules warning that ipykernel-less runs still print. */
const PY_ENV = { PYDEVD_DISABLE_FILE_VALIDATION: "1" };

async function ensureKernel(python: string, kernel: string): Promise<void> {
  const check = await new Deno.Command(python, {
    args: [
      "-Xfrozen_modules=off",
      "-c",
      `from jupyter_client.kernelspec import KernelSpecManager as K; K().get_kernel_spec(${
        JSON.stringify(kernel)
      })`,
    ],
    env: PY_ENV,
    stdout: "null",
    stderr: "piped",
  }).output().catch((err) => {
    throw new Error(`Cannot run Python "${python}": ${(err as Error).message} (give --python PATH)`);
  });
  if (check.success) return;
  const err = decoder.decode(check.stderr);
  if (/No module named/.test(err)) {
    throw new Error(
      `Cannot run notebooks: "${python}" lacks jupyter_client (apt install python3-nbclient jupyter-client)`,
    );
  }
  if (kernel !== "deno") throw new Error(`Cannot run notebooks: kernel "${kernel}" is not installed`);
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--install"],
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!install.success) {
    throw new Error(`Cannot install the Deno kernel: ${decoder.decode(install.stderr).trim()}`);
  }
}

async function listNotebooks(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) out.push(join(dir, e.name));
  }
  return out.sort();
}

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: DEFAULTS.dir },
      out: { type: "string" },
      timeout: { type: "string", default: DEFAULTS.timeout },
      python: { type: "string", default: DEFAULTS.python },
      kernel: { type: "string", default: DEFAULTS.kernel },
    },
  });
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) {
    throw new UsageError(`--timeout "${values.timeout}" is not a positive number of seconds`);
  }
  const notebooks = positionals.length
    ? positionals.map((p) => resolve(p))
    : await listNotebooks(resolve(values.dir));
  if (notebooks.length === 0) throw new UsageError(`no notebooks to run in "${values.dir}"`);
  const out = resolve(values.out ?? join(loadSettings().dataDir, "notebooks"));
  await Deno.mkdir(out, { recursive: true });
  await ensureKernel(values.python, values.kernel);
  for (const [i, nb] of notebooks.entries()) {
    const dst = join(out, basename(nb));
    const t0 = performance.now();
    console.log(`[${i + 1}/${notebooks.length}] ${basename(nb)} ...`);
    const res = await new Deno.Command(values.python, {
      args: [
        "-Xfrozen_modules=off",
        RUNNER,
        nb,
        dst,
        "--kernel",
        values.kernel,
        "--timeout",
        String(timeout),
        "--cwd",
        ROOT,
      ],
      env: PY_ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    if (!res.success) {
      const err = decoder.decode(res.stderr).trim().split("\n").filter((l) =>
        !/deno jupyter" is unstable/.test(l)
      );
      console.error(`FAILED ${basename(nb)} after ${seconds} s: ${err.slice(-15).join("\n")}`);
      console.error(`executed copy (up to the failing cell): ${dst}`);
      return 1;
    }
    console.log(`    ok in ${seconds} s -> ${dst}`);
  }
  console.log(`${notebooks.length} notebook(s) ran without errors`);
  return 0;
}

if (import.meta.main) await run(main);
