/**
 * Every `deno task` answers --help with its usage and options (exit 0, nothing else done), and an unknown
 * option is a usage error that points to --help (exit 64) instead of a bare "Unknown option".
 */
import assert from "node:assert/strict";

const TASKS: Record<string, { command: string }> = JSON.parse(await Deno.readTextFile("deno.json")).tasks;

async function task(name: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", name, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** The option names a script passes to parseCli (its source is the spec). */
async function optionsOf(command: string): Promise<string[]> {
  const script = command.match(/scripts\/\w+\.ts/)?.[0];
  if (!script) return [];
  const src = await Deno.readTextFile(script);
  if (src.includes("parseCli(args, import.meta.url, {},")) return []; // positionals only
  const block = src.match(/parseCli\(args, import\.meta\.url, \{([\s\S]*?)\n {2}\}/)?.[1] ?? "";
  const names = [...block.matchAll(/^ {4}"?([\w-]+)"?: \{\s*type:/gm)].map((m) => m[1]);
  assert.ok(names.length > 0 || !block, `no options found in ${script}`);
  if (block.includes("...EXTRAS_OPTIONS")) names.push("extras", "ocr-langs");
  return names;
}

Deno.test("every task answers --help with its usage and options", async (t) => {
  // "ok" runs fmt, lint and the type check before `deno task test`, whose --help is checked here.
  assert.match(TASKS.ok.command, /deno task test$/);
  for (const name of Object.keys(TASKS).filter((n) => n !== "ok")) {
    await t.step(name, async () => {
      const r = await task(name, "--help");
      assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
      assert.match(r.stdout, /--help/, `${name} --help lists its options`);
      assert.ok(r.stdout.split("\n").length >= 4, `${name} --help says how to use it`);
      for (const option of await optionsOf(TASKS[name].command)) {
        assert.ok(r.stdout.includes(`--${option}`), `${name} --help lists --${option}`);
      }
    });
  }
});

Deno.test("an unknown option is a usage error that points to --help", async (t) => {
  for (const name of ["train", "infer", "serve", "ingest", "schedule", "setup"]) {
    await t.step(name, async () => {
      const r = await task(name, "--no-such-option");
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, /unknown option '--no-such-option' \(see --help\)/i);
    });
  }
});
