/**
 * The notebooks run headless against a small fixture (60 sample posts ingested into PGlite, two fake
 * experiment manifests), and the runner fails — naming the cell — when a notebook throws. Runs in CI;
 * skipped elsewhere only when Jupyter (python3 + jupyter_client) is missing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadSettings } from "@/config/mod.ts";
import { ingest, readJsonlPosts } from "@/ingest/mod.ts";
import { generateSample } from "../tools/sample/mod.ts";
import { openStore } from "@/store/mod.ts";
import { type Manifest, writeManifest } from "@/train/mod.ts";

const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const NOTEBOOKS = ["01-explore.ipynb", "02-label.ipynb", "03-evaluate.ipynb"];

function jupyterAvailable(): boolean {
  try {
    const out = new Deno.Command(PYTHON, { args: ["-c", "import jupyter_client, nbformat"], stderr: "null" })
      .outputSync();
    return out.success;
  } catch {
    return false;
  }
}

const ignore = !Deno.env.get("CI") && !jupyterAvailable();

interface Notebook {
  metadata: Record<string, unknown>;
  cells: {
    cell_type: string;
    source: string | string[];
    outputs?: Output[];
    execution_count?: number | null;
  }[];
}
interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
}

const text = (s: string | string[] | undefined) => Array.isArray(s) ? s.join("") : s ?? "";

function manifest(runId: string, createdAt: string, f05: number): Manifest {
  const perTag = [["food", 30, 0.8, 0.6, 0.42], ["travel", 20, 0.7, 0.5, 0.5], [
    "pets",
    5,
    0.5,
    0.2,
    0.3,
  ]] as const;
  return {
    run_id: runId,
    created_at: createdAt,
    source: "sample",
    config: {},
    data: {
      snapshot_hash: `${runId}-snapshot`,
      window: { from: null, to: null },
      split_method: "iterative-stratified",
      counts: { train: 40, dev: 10, test: 10, tags: perTag.length },
    },
    code: { gitSha: "0123456789abcdef0123", dirty: false },
    seed: 1,
    tags: perTag.map((t) => t[0]),
    encoders: { text: "ngrams" },
    backend: "cpu",
    metrics: {
      weighted_f05: f05,
      macro_f05: f05 - 0.1,
      micro_f05: f05 + 0.02,
      weighted_f1: f05 - 0.05,
      macro_f1: f05 - 0.12,
      micro_f1: f05,
      per_tag: perTag.map(([tag, support, precision, recall, threshold]) => ({
        tag,
        support,
        precision,
        recall,
        threshold,
        f05: (1.25 * precision * recall) / (0.25 * precision + recall),
        f1: (2 * precision * recall) / (precision + recall),
      })),
      per_language: { en: { weighted_f05: f05, n: 30 } },
      ablation: {
        text: { weighted_f05: f05 - 0.3, drop: 0.3 },
        image: { weighted_f05: f05 - 0.1, drop: 0.1 },
      },
      single_modality: { text: f05 - 0.05 },
    },
    thresholds: perTag.map((t) => t[4]),
    timings_s: { fit: 1 },
    model: { version: runId, path: `models/${runId}`, promoted: true, reason: "first" },
  };
}

async function runNotebooks(env: Record<string, string>, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/notebooks.ts", ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

Deno.test("committed notebooks carry no outputs and no execution counts", async () => {
  for (const name of NOTEBOOKS) {
    const nb: Notebook = JSON.parse(await Deno.readTextFile(join("notebooks", name)));
    assert.equal((nb.metadata.kernelspec as { name: string }).name, "deno", name);
    for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
      assert.deepEqual(cell.outputs, [], `${name}: a cell has outputs`);
      assert.equal(cell.execution_count, null, `${name}: a cell has an execution count`);
    }
  }
});

Deno.test("the notebooks' code type-checks against src/", async () => {
  const dir = await Deno.makeTempDir({ prefix: "posttagger-nbcheck-" });
  try {
    const files: string[] = [];
    for (const name of NOTEBOOKS) {
      const nb: Notebook = JSON.parse(await Deno.readTextFile(join("notebooks", name)));
      const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source)).join("\n");
      const file = join(dir, name.replace(/\.ipynb$/, ".ts"));
      await Deno.writeTextFile(file, `${code}\nexport {};\n`);
      files.push(file);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", resolve("deno.json"), ...files],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno task notebooks runs the three notebooks on a fixture store and fails on a cell error",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "posttagger-notebooks-" });
    const env = {
      DATA_DIR: join(dir, "data"),
      MODELS_DIR: join(dir, "models"),
      RUNS_DIR: join(dir, "runs"),
      ANON_SECRET: "notebook-test-secret-0123456789abcdef",
      DATABASE_URL: "",
      NO_COLOR: "1",
    };
    try {
      const sampleDir = join(env.DATA_DIR, "raw", "sample");
      await generateSample(sampleDir, { posts: 60, seed: 3 });
      const store = await openStore(loadSettings(env));
      try {
        const s = await ingest(
          store,
          readJsonlPosts(join(sampleDir, "posts.jsonl"), { platform: "sample" }),
          {
            source: "sample",
          },
        );
        assert.equal(s.stored, 60);
      } finally {
        await store.close();
      }
      await writeManifest(env.RUNS_DIR, manifest("train-a", "2026-05-01T00:00:00Z", 0.6));
      await writeManifest(env.RUNS_DIR, manifest("train-b", "2026-05-02T00:00:00Z", 0.7));

      await t.step("every cell of every notebook runs and shows its result", async () => {
        const { code, output } = await runNotebooks(env, []);
        assert.equal(code, 0, output);
        const executed = (name: string): Notebook =>
          JSON.parse(Deno.readTextFileSync(join(env.DATA_DIR, "notebooks", name)));
        const html = (nb: Notebook) =>
          nb.cells.flatMap((c) => c.outputs ?? []).map((o) =>
            text(o.data?.["text/html"]) + text(o.data?.["text/markdown"])
          )
            .join("\n");
        const explore = html(executed("01-explore.ipynb"));
        assert.match(explore, /\*\*60\*\* posts/);
        assert.match(explore, /<img src="data:image\/jpeg;base64,/);
        assert.match(explore, /log scale/);
        const label = html(executed("02-label.ipynb"));
        assert.match(label, /demo-alice stored [1-9]\d* labels/);
        assert.match(label, /demo-alice vs demo-bob/);
        assert.match(label, /removed [1-9]\d* demo labels; store closed/);
        const evaluate = html(executed("03-evaluate.ipynb"));
        assert.match(evaluate, /2 run\(s\)/);
        assert.match(evaluate, /travel @ 0\.50/);
        assert.match(evaluate, /F0\.5 train-a/);
        // The demo labels were removed again: only the sample's own labels remain.
        const store = await openStore(loadSettings(env));
        try {
          const rows = await store.db.query<{ annotator: string }>("select distinct annotator from labels");
          assert.deepEqual(rows.map((r) => r.annotator), ["source"]);
        } finally {
          await store.close();
        }
      });

      await t.step("the runner fails and names the cell when a notebook throws", async () => {
        const broken = join(dir, "broken.ipynb");
        const nb = {
          nbformat: 4,
          nbformat_minor: 4,
          metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
          cells: [
            { cell_type: "markdown", metadata: {}, source: "# broken" },
            { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "1 + 1" },
            {
              cell_type: "code",
              metadata: {},
              execution_count: null,
              outputs: [],
              source: 'throw new RangeError("notebook cell broke on purpose")',
            },
            { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "2 + 2" },
          ],
        };
        await Deno.writeTextFile(broken, JSON.stringify(nb));
        const { code, output } = await runNotebooks(env, [broken]);
        assert.equal(code, 1, output);
        assert.match(output, /FAILED broken\.ipynb/);
        assert.match(output, /cell 3: RangeError: notebook cell broke on purpose/);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the runner refuses an empty notebook folder", { ignore }, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, output } = await runNotebooks({ DATA_DIR: dir }, ["--dir", dir]);
    assert.equal(code, 64, output);
    assert.match(output, /no notebooks to run/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
