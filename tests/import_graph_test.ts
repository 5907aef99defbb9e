/**
 * Keeps the house rules honest: imports between src/ folders flow one way and only through each
 * folder's mod.ts, no file-level import cycle, no src/ file over 400 lines, no benchmark or test world in
 * src/, and src/ never reads Deno.args, never exits and never prints (scripts decide what to show).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

/** Which src/ folders each folder may import from (besides itself and core). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  config: [],
  store: ["config"],
  ingest: ["config", "store"],
  preprocess: ["config", "store", "ingest"], // ingest: the RawPost contract
  features: ["config", "store", "ingest", "preprocess"],
  encode: ["config", "store", "ingest", "preprocess", "features"],
  model: ["config", "store", "ingest", "preprocess", "features", "encode"],
  train: ["config", "store", "ingest", "preprocess", "features", "encode", "model"],
  infer: ["config", "store", "ingest", "preprocess", "features", "encode", "model", "train"],
  trends: ["config", "store"],
  label: ["config", "store"],
  queue: ["config", "store"], // the job engine (pg-boss) and what it holds
  jobs: [
    "config",
    "store",
    "ingest",
    "preprocess",
    "features",
    "encode",
    "model",
    "train",
    "infer",
    "trends",
    "queue",
  ],
  server: ["config", "store", "trends", "label", "queue"], // queue: the dead-letter list, by SQL
};

const SRC = resolve("src");
const MAX_LINES = 400;

interface SourceFile {
  path: string;
  text: string;
  /** Resolved targets of its static and dynamic imports, with the specifier as written. */
  imports: { spec: string; target: string }[];
}

async function* walk(dir: string, options: { tests?: boolean } = {}): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path, options);
    else if (e.name.endsWith(".ts") && (options.tests || !e.name.endsWith("_test.ts"))) yield path;
  }
}

const IMPORT = /(?:import|export)[^"';]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

async function sourceFiles(): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for await (const path of walk(SRC)) {
    const text = await Deno.readTextFile(path);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const imports = [...code.matchAll(IMPORT)].flatMap((m) => {
      const spec = m[1] ?? m[2];
      if (spec.startsWith("@/")) return [{ spec, target: join(SRC, spec.slice(2)) }];
      if (spec.startsWith(".")) return [{ spec, target: resolve(dirname(path), spec) }];
      return [];
    });
    files.push({ path, text, imports });
  }
  return files;
}

const files = await sourceFiles();
const folderOf = (file: string) => relative(SRC, file).split("/")[0];
const rel = (file: string) => relative(resolve("."), file);

Deno.test("src/ folders import each other in one direction only", () => {
  const violations: string[] = [];
  for (const f of files) {
    const from = folderOf(f.path);
    for (const { spec, target } of f.imports) {
      if (!target.startsWith(SRC + "/")) continue; // outside src/: the next test
      const to = folderOf(target);
      if (to === from || to === "core") continue;
      if (!(ALLOWED[from] ?? []).includes(to)) {
        violations.push(`${rel(f.path)} (${from}) imports ${to}: ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("src/ imports nothing from bench/, tools/, tests/ or scripts/", () => {
  const violations = files.flatMap((f) =>
    f.imports.filter((i) => !i.target.startsWith(SRC + "/")).map((i) => `${rel(f.path)} imports ${i.spec}`)
  );
  assert.deepEqual(violations, []);
});

Deno.test("another folder's files are reached only through its mod.ts", () => {
  const violations: string[] = [];
  for (const f of files) {
    for (const { spec, target } of f.imports) {
      if (!target.startsWith(SRC + "/")) continue;
      const to = folderOf(target);
      if (to !== folderOf(f.path) && target !== join(SRC, to, "mod.ts")) {
        violations.push(`${rel(f.path)} imports ${spec}: import "@/${to}/mod.ts" instead`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("every top-level folder of src/ has a mod.ts", async () => {
  const missing: string[] = [];
  for await (const e of Deno.readDir(SRC)) {
    if (!e.isDirectory) continue;
    try {
      await Deno.stat(join(SRC, e.name, "mod.ts"));
    } catch {
      missing.push(e.name);
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("no file in src/ imports itself back through a cycle", () => {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (path: string, stack: string[]) => {
    if (state.get(path) === "done") return;
    if (state.get(path) === "open") {
      cycles.push([...stack.slice(stack.indexOf(path)), path].map(rel).join(" -> "));
      return;
    }
    state.set(path, "open");
    for (const { target } of byPath.get(path)?.imports ?? []) {
      if (byPath.has(target)) visit(target, [...stack, path]);
    }
    state.set(path, "done");
  };
  for (const f of files) visit(f.path, []);
  assert.deepEqual(cycles, []);
});

Deno.test(`no file in src/ is over ${MAX_LINES} lines, tests beside their files included`, async () => {
  const long: string[] = [];
  for await (const path of walk(SRC, { tests: true })) {
    const lines = (await Deno.readTextFile(path)).split("\n").length - 1;
    if (lines > MAX_LINES) long.push(`${rel(path)} (${lines})`);
  }
  assert.deepEqual(long, []);
});

Deno.test("src/ holds no benchmark", () => {
  const benches = files.map((f) => relative(SRC, f.path)).filter((p) => /(^|\/)_?bench/.test(p));
  const inline = files.filter((f) => /export (async )?function bench[A-Z]/.test(f.text)).map((f) =>
    rel(f.path)
  );
  assert.deepEqual([...benches, ...inline], []);
});

Deno.test("src/ never reads Deno.args, exits or prints", () => {
  const violations: string[] = [];
  for (const f of files) {
    const code = f.text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const bad of ["Deno.args", "Deno.exit(", "console.log(", "console.error(", "console.warn("]) {
      if (code.includes(bad)) violations.push(`${rel(f.path)} uses ${bad}`);
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("every folder in src/ has a place in the import rules", async () => {
  const folders: string[] = [];
  for await (const e of Deno.readDir(SRC)) if (e.isDirectory) folders.push(e.name);
  assert.deepEqual(folders.filter((f) => !(f in ALLOWED)), []);
});

Deno.test("pg-boss is loaded only by the engine, on first use (the embedded database never loads it)", () => {
  const violations: string[] = [];
  for (const f of files) {
    const code = f.text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const statics = [...code.matchAll(/^import\s+(type\s+)?[^;]*?from\s+["']pg-boss["']/gm)];
    if (statics.some((m) => !m[1])) violations.push(`${rel(f.path)} imports pg-boss statically`);
    if (/import\(\s*["']pg-boss["']\s*\)/.test(code) && rel(f.path) !== "src/queue/engine.ts") {
      violations.push(`${rel(f.path)} loads pg-boss (only src/queue/engine.ts may)`);
    }
  }
  assert.deepEqual(violations, []);
});
