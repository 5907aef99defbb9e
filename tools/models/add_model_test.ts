import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEncoder, readModelRecord } from "@/encode/mod.ts";
import { addModel, licenseOf } from "./add_model.ts";
import { OnnxGraph } from "./onnx_writer.ts";

const HF = fileURLToPath(new URL("../../tests/fixtures/hf/", import.meta.url));
const XLMR = join(HF, "xlmr-unigram");

const sha = async (path: string) => createHash("sha256").update(await Deno.readFile(path)).digest("hex");

async function copyTree(from: string, to: string, skip: (rel: string) => boolean = () => false) {
  async function walk(rel: string) {
    await Deno.mkdir(join(to, rel), { recursive: true });
    for await (const e of Deno.readDir(join(from, rel))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      if (e.isDirectory) await walk(r);
      else await Deno.copyFile(join(from, r), join(to, r));
    }
  }
  await walk("");
}

async function rejects(p: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(p, (err: Error) => {
    assert.match(err.message, pattern);
    return true;
  });
}

Deno.test("addModel() copies an export into MODELS_DIR/NAME with its record, and a rerun changes nothing", async () => {
  const modelsDir = await Deno.makeTempDir();
  try {
    const first = await addModel(XLMR, { modelsDir, name: "xlmr" });
    assert.equal(first.status, "added");
    assert.equal(first.path, join(modelsDir, "xlmr"));
    const r = first.record;
    assert.equal(r.task, "text");
    assert.equal(r.license, "cc-by-4.0");
    assert.equal(r.model_type, "xlm-roberta");
    assert.equal(r.dim, 32);
    assert.equal(r.max_length, 48);
    assert.equal(r.pooling, "mean");
    assert.equal(r.normalize, true);
    assert.equal(r.model_file, "onnx/model.onnx");
    // the graph and the tokenizer, hashed as the source holds them; PyTorch weights left behind
    assert.equal(r.files["onnx/model.onnx"], await sha(join(XLMR, "onnx/model.onnx")));
    assert.equal(r.files["tokenizer.json"], await sha(join(XLMR, "tokenizer.json")));
    assert.ok("1_Pooling/config.json" in r.files);
    assert.ok(!("model.safetensors" in r.files));
    for (const [rel, hash] of Object.entries(r.files)) {
      assert.equal(await sha(join(first.path, rel)), hash, rel);
    }
    assert.deepEqual(await readModelRecord(first.path), r);

    const again = await addModel(XLMR, { modelsDir, name: "xlmr" });
    assert.equal(again.status, "unchanged");
    assert.equal(again.record.added_at, r.added_at);
    const entries = [];
    for await (const e of Deno.readDir(modelsDir)) entries.push(e.name);
    assert.deepEqual(entries, ["xlmr"], "no staging folder is left behind");
  } finally {
    await Deno.remove(modelsDir, { recursive: true });
  }
});

Deno.test("hf-text:NAME resolves to the added model, its file hashes on the encoder; an unknown name says how to add it", async () => {
  const modelsDir = await Deno.makeTempDir();
  try {
    const { record } = await addModel(XLMR, { modelsDir });
    assert.equal(record.name, "xlmr-unigram");
    const added = await createEncoder("text", "hf-text:xlmr-unigram", { modelsDir });
    const plain = await createEncoder("text", `hf-text:${XLMR}`);
    try {
      assert.equal(added.id, "hf-text:xlmr-unigram");
      assert.deepEqual(added.files, record.files);
      assert.ok(added.version.includes(record.files["onnx/model.onnx"].slice(0, 12)), added.version);
      const [a] = await added.encode(["Hyvää huomenta!"]);
      const [b] = await plain.encode(["Hyvää huomenta!"]);
      assert.deepEqual(a, b);
    } finally {
      await added.close();
      await plain.close();
    }
    await rejects(
      createEncoder("text", "hf-text:minilm", { modelsDir }),
      /no model "minilm" in MODELS_DIR ".*" \(added text models: "hf-text:xlmr-unigram"\) .*`deno task models add SOURCE --name minilm`/,
    );
    await rejects(
      createEncoder("image", "hf-image:xlmr-unigram", { modelsDir }),
      /added as a text model; name it as "hf-text:xlmr-unigram"/,
    );
  } finally {
    await Deno.remove(modelsDir, { recursive: true });
  }
});

Deno.test("addModel() takes an Optimum export (model.onnx at the top) and an image model, then hf-image:NAME", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const src = join(tmp, "optimum");
    await copyTree(XLMR, src, (rel) => rel.startsWith("onnx"));
    await Deno.copyFile(join(XLMR, "onnx/model.onnx"), join(src, "model.onnx"));
    const text = await addModel(src, { modelsDir: join(tmp, "models") });
    assert.equal(text.record.model_file, "onnx/model.onnx");
    assert.equal(text.record.name, "optimum");
    const image = await addModel(join(HF, "clip-vision"), { modelsDir: join(tmp, "models") });
    assert.equal(image.record.task, "image");
    assert.equal(image.record.model_file, "onnx/vision_model.onnx");
    assert.equal(image.record.dim, 16);
    assert.equal(image.record.max_length, null);
    const encoder = await createEncoder("image", "hf-image:clip-vision", { modelsDir: join(tmp, "models") });
    try {
      assert.equal(encoder.dim, 16);
      assert.deepEqual(encoder.files, image.record.files);
      const [v] = await encoder.encode([join(HF, "images/disc.png")]);
      assert.equal(v.length, 16);
    } finally {
      await encoder.close();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("addModel() fails clearly", async (t) => {
  const tmp = await Deno.makeTempDir();
  const modelsDir = join(tmp, "models");
  const variant = async (
    name: string,
    skip: (rel: string) => boolean,
    edit?: (dir: string) => Promise<void>,
  ) => {
    const dir = join(tmp, name);
    await copyTree(XLMR, dir, skip);
    await edit?.(dir);
    return dir;
  };
  try {
    await t.step("on a folder that is not a model", async () => {
      const dir = join(tmp, "notes");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, "notes.txt"), "hello");
      await rejects(addModel(dir, { modelsDir }), /no config\.json — not a Hugging Face model folder/);
    });
    await t.step("on a source that is neither a folder nor a hub id", async () => {
      await rejects(addModel(join(tmp, "nowhere"), { modelsDir }), /no folder .* not a hub id/);
    });
    await t.step("on a text model without its tokenizer", async () => {
      const dir = await variant("no-tokenizer", (rel) => rel === "tokenizer.json");
      await rejects(addModel(dir, { modelsDir }), /missing tokenizer: no tokenizer\.json/);
    });
    await t.step("on a folder without an ONNX graph", async () => {
      const dir = await variant("no-graph", (rel) => rel.startsWith("onnx"));
      await rejects(addModel(dir, { modelsDir }), /no ONNX graph .*optimum-cli export onnx/);
    });
    await t.step("on a graph with an operator onnxruntime does not run", async () => {
      const dir = await variant("bad-op", () => false, async (d) => {
        const g = new OnnxGraph("bad");
        g.input("input_ids", "int64", ["batch", "seq"]);
        g.node("NoSuchOp", ["input_ids"], ["last_hidden_state"]);
        g.output("last_hidden_state", "float32", ["batch", "seq", 32]);
        await Deno.writeFile(join(d, "onnx/model.onnx"), g.toBytes());
      });
      await rejects(
        addModel(dir, { modelsDir }),
        /onnxruntime cannot open "onnx\/model\.onnx" on the CPU provider: .*NoSuchOp.*re-export it/s,
      );
    });
    await t.step("on a damaged graph file", async () => {
      const dir = await variant("damaged", () => false, async (d) => {
        await Deno.writeTextFile(join(d, "onnx/model.onnx"), "not a protobuf");
      });
      await rejects(addModel(dir, { modelsDir }), /cannot open "onnx\/model\.onnx" on the CPU provider/);
    });
    await t.step("on a name already taken by other files", async () => {
      await addModel(XLMR, { modelsDir, name: "taken" });
      await rejects(
        addModel(join(HF, "bert-wordpiece"), { modelsDir, name: "taken" }),
        /"taken": ".*taken" holds other files \(added from ".*xlmr-unigram"\); give another --name/,
      );
    });
    await t.step("and leaves no staging folder behind", async () => {
      const names = [];
      for await (const e of Deno.readDir(modelsDir)) names.push(e.name);
      assert.deepEqual(names, ["taken"]);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("addModel() downloads a hub id through the resolve URLs of the endpoint it is given", async () => {
  const modelsDir = await Deno.makeTempDir();
  const asked: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    asked.push(path);
    const m = /^\/org\/xlmr\/resolve\/main\/(.+)$/.exec(path);
    if (!m || m[1].includes("..")) return new Response("Entry not found", { status: 404 });
    try {
      const body = await Deno.readFile(join(XLMR, decodeURIComponent(m[1])));
      return new Response(body, { headers: { "x-repo-commit": "0123abc" } });
    } catch {
      return new Response("Entry not found", { status: 404 });
    }
  });
  try {
    const endpoint = `http://127.0.0.1:${server.addr.port}`;
    const local = await addModel(XLMR, { modelsDir, name: "local" });
    const hub = await addModel("org/xlmr", { modelsDir, endpoint });
    assert.equal(hub.status, "added");
    assert.equal(hub.record.name, "xlmr");
    assert.equal(hub.record.source, "org/xlmr");
    assert.equal(hub.record.revision, "main");
    assert.equal(hub.record.commit, "0123abc");
    assert.deepEqual(hub.record.files, local.record.files);
    assert.ok(asked.includes("/org/xlmr/resolve/main/onnx/model.onnx"));
    assert.ok(asked.includes("/org/xlmr/resolve/main/1_Pooling/config.json"));
    await rejects(
      addModel("org/xlmr", { modelsDir, endpoint, revision: "v9", name: "v9" }),
      /no config\.json — not a Hugging Face model repository/,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(modelsDir, { recursive: true });
  }
});

Deno.test("licenseOf() reads the model card's front matter", () => {
  assert.equal(licenseOf("---\nlicense: apache-2.0\ntags: [a]\n---\n# x"), "apache-2.0");
  assert.equal(licenseOf("# no front matter"), null);
});
