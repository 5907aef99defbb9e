/**
 * The labeled sets of the quality benchmark, written in two forms from one source of rows: a folder the
 * product ingests (GoEmotions TSVs through its own importer, XED as the project's JSONL) and one JSONL the
 * peer reads (`{"id", "lang", "text", "labels", "split"}`), so both see exactly the same posts and splits.
 *
 * GoEmotions draws: `train` posts drawn from train.tsv and `dev` from dev.tsv by a seeded shuffle, the
 * whole test.tsv kept as test. The benchmark's draws use seeds 1-5; develop on other seeds.
 */
import { join } from "node:path";
import { mulberry32 } from "@/core/mod.ts";

/** The data sets of the quality benchmark, in the order they run: the few-labels sets first, the
 * multimodal sample corpus between. */
export const SET_NAMES = [
  "goemotions-720",
  "xed-fewshot",
  "sample-fusion",
  "goemotions-full",
  "xed-full",
] as const;

/** One labeled set, ready for both tools. */
export interface QualitySet {
  name: string;
  /** `deno task ingest --source` spec of the product's copy. */
  source: string;
  /** Platform/source name the product's posts carry (its `train --source`). */
  trainSource: string;
  /** The peer's JSONL. */
  peerJsonl: string;
  counts: { train: number; dev: number; test: number };
}

interface Row {
  id: string;
  lang: string;
  text: string;
  labels: string[];
  split: "train" | "dev" | "test";
}

async function writeJsonl(path: string, rows: Row[]): Promise<void> {
  await Deno.writeTextFile(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

const countsOf = (rows: Row[]) => ({
  train: rows.filter((r) => r.split === "train").length,
  dev: rows.filter((r) => r.split === "dev").length,
  test: rows.filter((r) => r.split === "test").length,
});

async function readGoEmotionsTsv(dir: string, split: Row["split"], names: string[]) {
  const lines = (await Deno.readTextFile(join(dir, `${split}.tsv`))).split("\n").filter((l) => l.trim());
  return lines.map((line) => {
    const [text, ids, id] = line.split("\t");
    return {
      line,
      row: { id: id.trim(), lang: "en", text, labels: ids.split(",").map((i) => names[+i]), split },
    };
  });
}

function draw<T>(items: T[], n: number, seed: number): T[] {
  const rand = mulberry32(seed);
  const order = items.map((it) => ({ it, r: rand() })).sort((a, b) => a.r - b.r);
  return order.slice(0, n).map((x) => x.it);
}

/**
 * GoEmotions, whole or as a draw of `train` + `dev` posts (seeded); test is always the whole test split.
 * Writes `<out>/goemotions/{train,dev,test}.tsv, labels.txt` and `<out>/peer.jsonl`.
 */
export async function goEmotionsSet(
  dir: string,
  out: string,
  options: { name: string; draw?: { train: number; dev: number; seed: number } },
): Promise<QualitySet> {
  const names = (await Deno.readTextFile(join(dir, "labels.txt"))).split("\n").map((s) => s.trim())
    .filter(Boolean);
  const folder = join(out, "goemotions");
  await Deno.mkdir(folder, { recursive: true });
  await Deno.copyFile(join(dir, "labels.txt"), join(folder, "labels.txt"));
  const all: Row[] = [];
  for (const split of ["train", "dev", "test"] as const) {
    let rows = await readGoEmotionsTsv(dir, split, names);
    if (options.draw && split !== "test") {
      rows = draw(rows, options.draw[split], options.draw.seed * 1000 + (split === "dev" ? 1 : 0));
    }
    await Deno.writeTextFile(join(folder, `${split}.tsv`), rows.map((r) => r.line).join("\n") + "\n");
    all.push(...rows.map((r) => r.row));
  }
  const peerJsonl = join(out, "peer.jsonl");
  await writeJsonl(peerJsonl, all);
  return {
    name: options.name,
    source: `goemotions:${folder}`,
    trainSource: "goemotions",
    peerJsonl,
    counts: countsOf(all),
  };
}

/** An XED file (the project's JSONL import format): the product ingests it as it is. */
export async function xedSet(file: string, out: string, name: string): Promise<QualitySet> {
  await Deno.mkdir(out, { recursive: true });
  const rows: Row[] = (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim()).map((l) => {
    const r = JSON.parse(l);
    return { id: r.id, lang: r.lang, text: r.text, labels: r.labels, split: r.split };
  });
  const peerJsonl = join(out, "peer.jsonl");
  await writeJsonl(peerJsonl, rows);
  return { name, source: `jsonl:${file}`, trainSource: `jsonl:${file}`, peerJsonl, counts: countsOf(rows) };
}
