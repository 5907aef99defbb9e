/**
 * Train the fusion model on the labeled posts of a moving window, write an experiment manifest, and
 * promote the model when it is at least as good as the current one on the same test set.
 *
 *   deno task train                                  all sources, last 24 months
 *   deno task train --source goemotions              one source (its own train/dev/test split)
 *   deno task train --compare-modalities             also one model per modality (fusion vs single)
 *   deno task train --force                          promote even when not better
 *   deno task train --backend wasm|webgpu|cpu|auto   never silently: the backend is printed and recorded
 *   deno task train --extras ocr,objects             the feature extras preprocess used (FEATURE_EXTRAS)
 *   deno task train --text-encoder hf-text:NAME      sentence embeddings beside the n-grams (TEXT_ENCODER)
 *
 * A text encoder is a model added with `deno task models add SOURCE --name NAME`; its embeddings go to
 * the network beside the n-gram bag (the linear part keeps the bag), cached like image embeddings. The
 * manifest records each encoder's name, hashes and provider; inference uses the one the model names.
 *
 * Scheduled retraining: the drift check exits 3 when retraining is due (data drift or model age), 0 when not:
 *   deno task train --check-drift [--recent-days 30]
 *   0 3 * * 1  cd /srv/posttagger && { deno task train --check-drift; [ $? -eq 3 ] && deno task train; } >> data/logs/train.log 2>&1
 */
import { loadSettings } from "@/config/mod.ts";
import { openStore } from "@/store/mod.ts";
import { checkDrift, train, TRAIN_DEFAULTS } from "@/train/mod.ts";
import { parseCli, run, UsageError } from "./_cli.ts";
import { EXTRAS_OPTIONS, featureConfigFromFlags } from "./_features.ts";
import { progress } from "./_progress.ts";
import { ensureModels } from "./_models.ts";

export async function main(args: string[]): Promise<number> {
  const { values } = parseCli(args, import.meta.url, {
    source: { type: "string", help: "train on one source only (its own split)" },
    window: { type: "string", default: TRAIN_DEFAULTS.window, help: "the product's moving window" },
    seed: {
      type: "string",
      default: String(TRAIN_DEFAULTS.seed),
      help: "seed of the split, initialisation and batches",
    },
    epochs: {
      type: "string",
      default: String(TRAIN_DEFAULTS.epochs),
      help: "most epochs (early stopping usually ends sooner)",
    },
    backend: { type: "string", default: "auto", help: "auto, wasm, webgpu, cpu or tensorflow" },
    "compare-modalities": { type: "boolean", default: false, help: "also train one model per modality" },
    force: { type: "boolean", default: false, help: "promote even when not better" },
    "check-drift": {
      type: "boolean",
      default: false,
      help: "only check drift: exit 3 when retraining is due",
    },
    "recent-days": { type: "string", default: "30", help: "days of recent posts the drift check compares" },
    ...EXTRAS_OPTIONS,
  });
  const backend = values.backend as "auto";
  if (!["auto", "wasm", "webgpu", "cpu", "tensorflow"].includes(backend)) {
    throw new UsageError(`unknown --backend "${values.backend}": use auto, wasm, webgpu, cpu or tensorflow`);
  }
  const settings = loadSettings();
  if (!values["check-drift"]) await ensureModels(settings);
  const store = await openStore(settings);
  if (values["check-drift"]) {
    try {
      const report = await checkDrift(store, settings, { recentDays: Number(values["recent-days"]) });
      const worst = Object.entries(report.psi).sort((a, b) => b[1] - a[1]).slice(0, 5);
      const age = Number.isFinite(report.modelAgeDays)
        ? `${report.modelAgeDays.toFixed(0)} days old`
        : "none yet";
      console.log(`drift: ${report.recentPosts} recent posts; model ${age}`);
      for (const [k, v] of worst) console.log(`  PSI ${v.toFixed(3)}  ${k}`);
      console.log(report.due ? `retraining due: ${report.reasons.join("; ")}` : "no retraining needed");
      return report.due ? 3 : 0;
    } finally {
      await store.close();
    }
  }
  let bar: ReturnType<typeof progress> | undefined;
  try {
    const result = await train(store, settings, {
      source: values.source,
      window: values.window,
      seed: Number(values.seed),
      epochs: Number(values.epochs),
      backend,
      compareModalities: values["compare-modalities"],
      features: featureConfigFromFlags(values, settings).config,
      force: values.force,
      onStep: (s) => {
        bar?.stop();
        bar = undefined;
        console.log(`train: ${s}`);
      },
      onProgress: (done, total) => {
        bar ??= progress("features", total, "media");
        bar.update(done);
      },
      onEpoch: (e, tl, vl, vs) =>
        console.log(
          `  epoch ${e}: train loss ${tl.toFixed(4)}, validation loss ${vl?.toFixed(4) ?? "-"}, ` +
            `validation weighted F0.5 ${vs?.toFixed(4) ?? "-"}`,
        ),
    });
    bar?.stop();
    const m = result.manifest;
    console.log(`backend: ${result.backend.name} (${result.backend.reason})`);
    for (const [modality, e] of Object.entries(m.encoder_records ?? {})) {
      console.log(`${modality} encoder: ${e.name} (${e.id}, ${e.dim}-d${e.runtime ? `, ${e.runtime}` : ""})`);
    }
    console.log(
      `test: weighted F0.5 ${m.metrics.weighted_f05.toFixed(4)}, macro F1 ${
        m.metrics.macro_f1.toFixed(4)
      }, ` +
        `micro F1 ${
          m.metrics.micro_f1.toFixed(4)
        } on ${m.data.counts.test} posts, ${m.tags.length} tags (${m.data.split_method} split)`,
    );
    console.log(
      `ablation (weighted F0.5 without): ` +
        Object.entries(m.metrics.ablation).map(([k, v]) => `${k} ${v.weighted_f05.toFixed(4)}`).join(", "),
    );
    if (m.metrics.single_modality) {
      console.log(
        `single-modality models: ` +
          Object.entries(m.metrics.single_modality).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", "),
      );
    }
    console.log(
      `model ${m.model.version}: ${m.model.promoted ? "promoted" : "not promoted"} — ${m.model.reason}`,
    );
    if (result.problems > 0) {
      console.log(
        `set aside ${result.problems} modalities/posts (select * from quarantine where source = 'features')`,
      );
    }
    console.log(`manifest: ${result.manifestPath}`);
    return 0;
  } finally {
    bar?.stop();
    await store.close();
  }
}

if (import.meta.main) await run(main);
