/**
 * The Dockerfile stays buildable and runnable without building it: it lints clean (dockerfile-utils),
 * every COPY source is tracked by git (a fresh clone has it), every `deno task X` it names exists, the
 * image gets a `deno` binary when it runs deno, and every path the jobs write is owned by the runtime user.
 */
import assert from "node:assert/strict";
import { posix } from "node:path";
import { validate } from "dockerfile-utils";

const DOCKERFILE = await Deno.readTextFile("Dockerfile");
const TASKS = Object.keys(JSON.parse(await Deno.readTextFile("deno.json")).tasks);

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined; comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: Instruction | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!current && (line === "" || line.startsWith("#"))) continue;
    if (current && line.startsWith("#")) continue;
    const body = line.endsWith("\\") ? line.slice(0, -1) : line;
    if (current) current.args += " " + body.trim();
    else {
      const m = body.match(/^(\w+)\s*(.*)$/)!;
      current = { line: i + 1, keyword: m[1].toUpperCase(), args: m[2] };
    }
    if (!line.endsWith("\\")) {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

const INSTRUCTIONS = instructions(DOCKERFILE);

/** Sources of a COPY (not `--from` stage copies), JSON or shell form. */
function copySources(args: string): string[] | undefined {
  const words = args.split(/\s+/).filter(Boolean);
  if (words.some((w) => w.startsWith("--from="))) return undefined;
  const rest = words.filter((w) => !w.startsWith("--"));
  const parts: string[] = rest[0]?.startsWith("[") ? JSON.parse(rest.join(" ")) : rest;
  return parts.slice(0, -1);
}

async function gitTracked(): Promise<Set<string>> {
  const out = await new Deno.Command("git", { args: ["ls-files", "-z"], stdout: "piped", stderr: "null" })
    .output();
  assert.ok(out.success, "git ls-files failed: run the tests inside the repository");
  return new Set(new TextDecoder().decode(out.stdout).split("\0").filter(Boolean));
}

Deno.test("the Dockerfile lints clean with dockerfile-utils", () => {
  const problems = validate(DOCKERFILE).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
});

Deno.test("instructions() joins continuation lines and skips comments", () => {
  const parsed = instructions('# c\nFROM a\nRUN x \\\n  # inside\n  && y\nCOPY ["a b", "c"]\n');
  assert.deepEqual(parsed.map((i) => [i.line, i.keyword, i.args]), [
    [2, "FROM", "a"],
    [3, "RUN", "x  && y"],
    [6, "COPY", '["a b", "c"]'],
  ]);
  assert.deepEqual(copySources(parsed[2].args), ["a b"]);
  assert.equal(copySources("--from=deno /deno /usr/local/bin/deno"), undefined);
});

Deno.test("every COPY source is a file or folder tracked by git", async () => {
  const tracked = await gitTracked();
  const missing: string[] = [];
  for (const ins of INSTRUCTIONS.filter((i) => i.keyword === "COPY" || i.keyword === "ADD")) {
    for (const src of copySources(ins.args) ?? []) {
      const path = posix.normalize(src).replace(/\/$/, "");
      const found = tracked.has(path) || [...tracked].some((f) => f.startsWith(path + "/"));
      if (!found) missing.push(`line ${ins.line}: "${src}"`);
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("every `deno task X` the Dockerfile names (comments included) exists in deno.json", () => {
  const named = [...DOCKERFILE.matchAll(/deno["', ]+task["', ]+([\w:-]+)/g)].map((m) => m[1]);
  assert.ok(named.length > 0, "the Dockerfile names no deno task");
  assert.deepEqual(named.filter((t) => !TASKS.includes(t)), []);
});

Deno.test("the image that runs deno gets a pinned deno binary", () => {
  const runsDeno = INSTRUCTIONS.some((i) =>
    ["CMD", "ENTRYPOINT", "RUN"].includes(i.keyword) && /\bdeno\b/.test(i.args)
  );
  if (!runsDeno) return;
  const stage = INSTRUCTIONS.find((i) =>
    i.keyword === "FROM" && /denoland\/deno:bin-\d+\.\d+\.\d+/.test(i.args)
  );
  assert.ok(stage, "no FROM denoland/deno:bin-X.Y.Z stage to copy deno from");
  const alias = stage.args.match(/\bAS\s+(\S+)/i)?.[1] ?? stage.args.split(/\s+/)[0];
  assert.ok(
    INSTRUCTIONS.some((i) =>
      i.keyword === "COPY" && i.args.includes(`--from=${alias}`) && /\/deno\s+\S*bin/.test(i.args)
    ),
    `no COPY --from=${alias} of /deno onto the PATH`,
  );
});

Deno.test("every path the jobs write is under a folder the runtime user owns", () => {
  const user = INSTRUCTIONS.findLast((i) => i.keyword === "USER")?.args.trim();
  assert.ok(user && user !== "root", "the image should run as a non-root USER");
  const owned = INSTRUCTIONS.filter((i) => i.keyword === "RUN")
    .flatMap((i) => [...i.args.matchAll(new RegExp(`chown\\s+(?:-R\\s+)?${user}\\S*\\s+([^&;]+)`, "g"))])
    .flatMap((m) => m[1].trim().split(/\s+/));
  const env = new Map<string, string>();
  for (const i of INSTRUCTIONS.filter((i) => i.keyword === "ENV")) {
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env.set(m[1], m[2]);
  }
  const workdir = INSTRUCTIONS.findLast((i) => i.keyword === "WORKDIR")?.args.trim() ?? "/";
  // Defaults from src/config/settings.ts, relative to the working directory.
  const written = {
    DATA_DIR: env.get("DATA_DIR") ?? posix.join(workdir, "data"),
    MODELS_DIR: env.get("MODELS_DIR") ?? posix.join(workdir, "models"),
    RUNS_DIR: env.get("RUNS_DIR") ?? posix.join(workdir, "experiments/runs"),
    ANON_SECRET_FILE: posix.dirname(env.get("ANON_SECRET_FILE") ?? posix.join(workdir, ".secrets/anon.key")),
  };
  const notOwned = Object.entries(written)
    .filter(([, path]) => !owned.some((o) => path === o || path.startsWith(o.replace(/\/$/, "") + "/")))
    .map(([name, path]) => `${name} -> ${path}`);
  assert.deepEqual(notOwned, [], `owned by ${user}: ${owned.join(", ")}`);
});
