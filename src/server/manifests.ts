/**
 * Experiment manifests (`<runsDir>/<run-id>/manifest.json`) read tolerantly for the experiments page: each
 * field is taken when the manifest has it and has the expected type, else left null, so that manifests
 * written by older code (no curves, no protocol, no per-language scores) still show what they hold. A
 * manifest that is not JSON is listed with its error instead of hiding the others.
 */
import { join } from "node:path";

export interface TagScoreView {
  tag: string;
  precision: number | null;
  recall: number | null;
  f05: number | null;
  support: number | null;
  threshold: number | null;
}

export interface CurvesView {
  epoch: number[];
  train_loss: (number | null)[];
  val_loss: (number | null)[];
  val_weighted_f05: (number | null)[];
}

export interface ExperimentRun {
  id: string;
  createdAt: string | null;
  source: string | null;
  dataHash: string | null;
  counts: Record<string, number> | null;
  codeVersion: string | null;
  protocol: string | null;
  seed: number | null;
  weightedF05: number | null;
  macroF05: number | null;
  microF05: number | null;
  perLanguage: { lang: string; weightedF05: number | null; n: number | null }[];
  perTag: TagScoreView[];
  backend: string | null;
  /** "n-grams", or "n-grams + <sentence encoder's name>"; null when the manifest names no encoders. */
  textEncoder: string | null;
  /** The sentence encoder's id@version (its model hash), provider and files' count, when there is one. */
  textEncoderDetail: string | null;
  durationS: number | null;
  modelVersion: string | null;
  promoted: boolean | null;
  reason: string | null;
  curves: CurvesView | null;
  /** Training kept tags with at least this many labeled posts. */
  minTagPosts: number | null;
  /** Why the manifest could not be read; the other fields are null then. */
  error: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : undefined;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const nums = (v: unknown): (number | null)[] => (Array.isArray(v) ? v.map(num) : []);

/** A protocol given as text, or as an object with a name (and maybe folds or a split), as one line. */
function protocolOf(m: Obj): string | null {
  const p = m.protocol;
  if (typeof p === "string") return p;
  const o = obj(p);
  if (o) {
    const method = str(o.method);
    const folds = num(o.folds), foldMethod = str(o.fold_method);
    if (method === "cv") return `${folds ?? "?"}-fold CV${foldMethod ? ` (${foldMethod})` : ""}`;
    if (method === "dev") return "tuned on the dev split";
    const name = str(o.name) ?? str(o.kind) ?? method;
    const rest = Object.entries(o).filter(([k, v]) =>
      !["name", "kind", "method"].includes(k) && v !== null &&
      typeof v !== "object"
    );
    const detail = rest.map(([k, v]) => `${k} ${v}`).join(", ");
    return [name, detail].filter(Boolean).join(": ") || JSON.stringify(o);
  }
  const split = str(obj(m.data)?.split_method);
  return split ? `${split} split` : null;
}

function curvesOf(v: unknown): CurvesView | null {
  const c = obj(v);
  if (!c || !Array.isArray(c.epoch)) return null;
  const epoch = nums(c.epoch).map((e, i) => e ?? i + 1);
  return {
    epoch,
    train_loss: nums(c.train_loss),
    val_loss: nums(c.val_loss),
    val_weighted_f05: nums(c.val_weighted_f05),
  };
}

/** The page's view of one parsed manifest. */
export function experimentRun(id: string, m: Obj): ExperimentRun {
  const metrics = obj(m.metrics) ?? {};
  const model = obj(m.model) ?? {};
  const code = obj(m.code);
  const tags = Array.isArray(m.tags) ? m.tags.map(String) : [];
  const thresholds = nums(m.thresholds);
  const perTag = (Array.isArray(metrics.per_tag) ? metrics.per_tag : []).map(obj).filter((t) => !!t).map(
    (t) => {
      const tag = String(t.tag ?? "");
      const i = tags.indexOf(tag);
      return {
        tag,
        precision: num(t.precision),
        recall: num(t.recall),
        f05: num(t.f05),
        support: num(t.support),
        threshold: num(t.threshold) ?? (i >= 0 ? thresholds[i] ?? null : null),
      };
    },
  );
  const perLanguage = Object.entries(obj(metrics.per_language) ?? {}).map(([lang, v]) => ({
    lang,
    weightedF05: num(obj(v)?.weighted_f05 ?? v),
    n: num(obj(v)?.n),
  })).sort((a, b) => (b.n ?? 0) - (a.n ?? 0) || a.lang.localeCompare(b.lang));
  const counts = obj(obj(m.data)?.counts);
  const backend = str(m.backend) ?? str(obj(m.backend)?.name);
  const dense = obj(obj(m.encoder_records)?.text);
  const ngrams = str(obj(m.encoders)?.text) !== null ? "n-grams" : null;
  const textEncoder = dense && str(dense.name) ? `n-grams + ${str(dense.name)}` : ngrams;
  const files = obj(dense?.files);
  const textEncoderDetail = dense
    ? [str(dense.id), str(dense.runtime), files ? `${Object.keys(files).length} files hashed` : null]
      .filter((x) => x !== null).join(", ")
    : null;
  return {
    id: str(m.run_id) ?? id,
    createdAt: str(m.created_at),
    source: str(m.source),
    dataHash: str(obj(m.data)?.snapshot_hash),
    counts: counts
      ? Object.fromEntries(Object.entries(counts).filter(([, v]) => num(v) !== null)) as Record<
        string,
        number
      >
      : null,
    codeVersion: code ? `${str(code.gitSha) ?? "?"}${code.dirty === true ? "+dirty" : ""}` : str(m.code),
    protocol: protocolOf(m),
    seed: num(m.seed),
    weightedF05: num(metrics.weighted_f05),
    macroF05: num(metrics.macro_f05),
    microF05: num(metrics.micro_f05),
    perLanguage,
    perTag,
    backend,
    textEncoder,
    textEncoderDetail,
    durationS: num(m.duration_s) ?? num(obj(m.timings_s)?.total),
    modelVersion: str(model.version),
    promoted: typeof model.promoted === "boolean" ? model.promoted : null,
    reason: str(model.reason),
    curves: curvesOf(m.curves),
    minTagPosts: num(obj(m.config)?.minTagPosts),
    error: null,
  };
}

function unreadable(id: string, error: string): ExperimentRun {
  return {
    ...experimentRun(id, {}),
    error,
  };
}

/** Every run under `runsDir`, newest first; a missing folder is no runs. */
export async function readExperimentRuns(runsDir: string): Promise<ExperimentRun[]> {
  const out: ExperimentRun[] = [];
  try {
    for await (const e of Deno.readDir(runsDir)) {
      if (!e.isDirectory) continue;
      let text: string;
      try {
        text = await Deno.readTextFile(join(runsDir, e.name, "manifest.json"));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      try {
        const parsed = obj(JSON.parse(text));
        out.push(
          parsed ? experimentRun(e.name, parsed) : unreadable(e.name, "the manifest is not a JSON object"),
        );
      } catch (err) {
        out.push(unreadable(e.name, `Cannot parse the manifest: ${(err as Error).message}`));
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? "") || a.id.localeCompare(b.id));
}

/** The decision threshold per tag of the run that produced `modelVersion`, if its manifest is there. */
export async function modelThresholds(
  runsDir: string,
  modelVersion: string,
): Promise<Record<string, number>> {
  try {
    for await (const e of Deno.readDir(runsDir)) {
      if (!e.isDirectory) continue;
      try {
        const m = obj(JSON.parse(await Deno.readTextFile(join(runsDir, e.name, "manifest.json"))));
        if (!m || str(obj(m.model)?.version) !== modelVersion) continue;
        const run = experimentRun(e.name, m);
        return Object.fromEntries(
          run.perTag.filter((t) => t.threshold !== null).map((t) => [t.tag, t.threshold!]),
        );
      } catch {
        continue; // an unreadable manifest is not this model's
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return {};
}

/** The fewest labeled posts a tag needs to be kept by training, from the newest manifest that says. */
export async function trainingMinimum(runsDir: string, fallback = 10): Promise<number> {
  const runs = await readExperimentRuns(runsDir);
  return runs.find((r) => r.minTagPosts !== null)?.minTagPosts ?? fallback;
}
