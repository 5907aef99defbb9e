/**
 * Typed settings resolved from the environment, in one place. Every default has its reason beside it.
 * `src/` reads the environment only here; scripts pass the result down.
 */
import { join, resolve } from "node:path";

/** Optional encoder extras, each off by default because each costs time per image (see src/encode/). */
export const FEATURE_EXTRAS = ["ocr", "objects"] as const;
/** `"ocr"`: text read from a post's images joins its text; `"objects"`: 80 COCO object scores per image. */
export type FeatureExtra = typeof FEATURE_EXTRAS[number];
/** Where pretrained encoders run: onnxruntime's execution provider ("auto": cuda > webgpu > cpu). */
export const ENCODER_DEVICES = ["cpu", "auto", "cuda", "webgpu"] as const;
export type EncoderDevice = typeof ENCODER_DEVICES[number];

export interface Settings {
  /** Root of every derived file: database, blobs, features, bench figures. */
  dataDir: string;
  /**
   * The blob store's folder (media by content hash). Workers on several machines share it (a shared
   * filesystem) while each keeps its own DATA_DIR for feature caches. @default DATA_DIR/blobs
   */
  blobsDir?: string;
  /** A real PostgreSQL server; when absent the embedded PGlite under `dataDir/pglite` is used. */
  databaseUrl?: string;
  /** Where the anonymization secret lives when `ANON_SECRET` is not set (outside git). */
  secretPath: string;
  /** The secret itself when given by the environment (hex or any string of >= 32 chars). */
  anonSecret?: string;
  /** Model registry root (`models/<version>/`, `models/current`). */
  modelsDir: string;
  /** Experiment runs (`experiments/runs/<run-id>/manifest.json`). */
  runsDir: string;
  /**
   * Built encoder files, e.g. the MobileNetV2 .onnx graph (`deno task models build` writes them);
   * `ENCODER_CACHE_DIR` shares one folder between data folders. @default DATA_DIR/cache/encoders
   */
  encoderCacheDir: string;
  /**
   * JPEG decoding: `"auto"` takes the system libjpeg-turbo for plain JPEGs when it is installed (twice as
   * fast), `"sharp"` decodes everything with sharp (`POSTTAGGER_JPEG_DECODER=sharp`). @default "auto"
   */
  jpegDecoder: "auto" | "sharp";
  /**
   * Extras preprocessing and training turn on (`FEATURE_EXTRAS=ocr,objects`); none by default, as each
   * costs time per image. Inference always uses those the model was trained with. @default []
   */
  extras?: FeatureExtra[];
  /**
   * The pretrained sentence encoder whose embeddings join the n-grams in training and preprocessing
   * (`TEXT_ENCODER=hf-text:NAME`, a model added with `deno task models add`); inference always uses the
   * one the model was trained with. @default none (n-grams only)
   */
  textEncoder?: string;
  /**
   * The Hugging Face hub `deno task models add ORG/NAME` downloads from (`HF_ENDPOINT`, as huggingface_hub
   * reads it: a mirror or an internal hub). @default "https://huggingface.co"
   */
  hfEndpoint?: string;
  /**
   * Where the pretrained encoders run (`ENCODER_DEVICE=auto|cuda|webgpu|cpu`): a GPU machine's worker sets
   * it so images go to the GPU in large batches as decoded bytes; the provider is printed and recorded.
   * CPU by default: the GPU providers need drivers a laptop lacks, and "auto" never fails silently
   * either way (each provider passed over is recorded with its reason). @default "cpu"
   */
  encoderDevice?: EncoderDevice;
  /**
   * Tesseract language packs of the ocr extra (`OCR_LANGS=eng+deu`; Debian `tesseract-ocr-<lang>`).
   * @default ["eng"]
   */
  ocrLangs?: string[];
}

/** Reads settings from an environment map (defaults to the process environment). */
export function loadSettings(env: Record<string, string | undefined> = Deno.env.toObject()): Settings {
  const root = resolve(env.POSTTAGGER_ROOT ?? ".");
  const dataDir = resolve(root, env.DATA_DIR ?? "data");
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new TypeError(
      `Cannot use DATABASE_URL "${
        redactUrl(databaseUrl)
      }": it must start with postgres:// or postgresql:// ` +
        `(unset it to use the embedded PGlite database)`,
    );
  }
  return {
    dataDir,
    databaseUrl,
    blobsDir: resolve(root, env.BLOBS_DIR ?? join(dataDir, "blobs")),
    secretPath: resolve(root, env.ANON_SECRET_FILE ?? join(".secrets", "anon.key")),
    anonSecret: env.ANON_SECRET || undefined,
    modelsDir: resolve(root, env.MODELS_DIR ?? "models"),
    runsDir: resolve(root, env.RUNS_DIR ?? join("experiments", "runs")),
    encoderCacheDir: env.ENCODER_CACHE_DIR ? resolve(root, env.ENCODER_CACHE_DIR) : encoderCacheDir(dataDir),
    jpegDecoder: env.POSTTAGGER_JPEG_DECODER === "sharp" ? "sharp" : "auto",
    extras: parseExtras(env.FEATURE_EXTRAS ?? ""),
    hfEndpoint: env.HF_ENDPOINT || "https://huggingface.co",
    textEncoder: env.TEXT_ENCODER?.trim() || undefined,
    encoderDevice: parseEncoderDevice(env.ENCODER_DEVICE),
    // English: the pack CI installs (tesseract-ocr-eng).
    ocrLangs: (env.OCR_LANGS || "eng").split(/[+,\s]+/).filter((l) => l.length > 0),
  };
}

/** The blob store's folder: BLOBS_DIR, else DATA_DIR/blobs. */
export function blobsDirOf(settings: Pick<Settings, "dataDir" | "blobsDir">): string {
  return settings.blobsDir ?? join(settings.dataDir, "blobs");
}

/** Where built encoder files live under a data folder. */
export function encoderCacheDir(dataDir: string): string {
  return join(dataDir, "cache", "encoders");
}

function parseEncoderDevice(value: string | undefined): EncoderDevice {
  const v = value?.trim().toLowerCase() || "cpu";
  if ((ENCODER_DEVICES as readonly string[]).includes(v)) return v as EncoderDevice;
  throw new RangeError(
    `Cannot use ENCODER_DEVICE "${value}": say one of ${ENCODER_DEVICES.join(", ")} (or unset it for cpu)`,
  );
}

/** Reads a comma-separated list of extras (`"ocr,objects"`); unknown names fail. */
export function parseExtras(list: string): FeatureExtra[] {
  const names = [...new Set(list.split(",").map((s) => s.trim()).filter((s) => s.length > 0))];
  for (const name of names) {
    if (!(FEATURE_EXTRAS as readonly string[]).includes(name)) {
      throw new RangeError(
        `Cannot turn on feature extra "${name}": unknown name (known: ${FEATURE_EXTRAS.join(", ")})`,
      );
    }
  }
  return names as FeatureExtra[];
}

/** Hides the password of a connection URL so it can appear in messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, "//$1:***@");
}
