/**
 * Keeps the house rules honest: imports between src/ folders flow one way, and src/ never reads
 * Deno.args, never exits and never prints (scripts decide what to show).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

/** Which src/ folders each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
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
  server: ["config", "store", "trends", "label"],
};

const SRC = resolve("src");

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* sourceFiles(path);
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield path;
  }
}

const folderOf = (file: string) => relative(SRC, file).split("/")[0];

Deno.test("src/ folders import each other in one direction only", async () => {
  const violations: string[] = [];
  for await (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const text = await Deno.readTextFile(file);
    for (
      const m of text.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']/g)
    ) {
      const spec = m[1] ?? m[2];
      let target: string | undefined;
      if (spec.startsWith("@/")) target = spec.slice(2).split("/")[0];
      else if (spec.startsWith(".")) {
        const abs = resolve(dirname(file), spec);
        if (!abs.startsWith(SRC + "/")) {
          violations.push(`${relative(SRC, file)} imports outside src/: ${spec}`);
        } else target = folderOf(abs);
      }
      if (!target || target === from) continue;
      if (!(ALLOWED[from] ?? []).includes(target)) {
        violations.push(`${relative(SRC, file)} (${from}) imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("src/ never reads Deno.args, exits or prints", async () => {
  const violations: string[] = [];
  for await (const file of sourceFiles(SRC)) {
    const text = await Deno.readTextFile(file);
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    for (const bad of ["Deno.args", "Deno.exit(", "console.log(", "console.error(", "console.warn("]) {
      if (code.includes(bad)) violations.push(`${relative(SRC, file)} uses ${bad}`);
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("every folder in src/ has a place in the import rules", async () => {
  const folders: string[] = [];
  for await (const e of Deno.readDir(SRC)) if (e.isDirectory) folders.push(e.name);
  assert.deepEqual(folders.filter((f) => !(f in ALLOWED)), []);
});
