/** The feature extras flags that preprocess and train share (so both build the same feature config). */
import { type FeatureExtra, parseExtras, type Settings } from "@/config/mod.ts";
import {
  DEFAULT_FEATURE_CONFIG,
  encoderModality,
  type FeatureConfig,
  withEncoders,
  withExtras,
} from "@/encode/mod.ts";
import { UsageError } from "./_cli.ts";

/**
 * parseArgs options: `--extras ocr,objects` (default FEATURE_EXTRAS), `--ocr-langs eng+deu` (default
 * OCR_LANGS), `--text-encoder hf-text:NAME` (default TEXT_ENCODER), `--image-encoder hf-image:NAME`.
 */
export const EXTRAS_OPTIONS = {
  extras: { type: "string", help: "feature extras: ocr, objects (default: FEATURE_EXTRAS)" },
  "ocr-langs": {
    type: "string",
    help: "Tesseract languages of the ocr extra, e.g. eng+deu (default: OCR_LANGS)",
  },
  "text-encoder": {
    type: "string",
    help:
      "sentence encoder beside the n-grams: hf-text:NAME (deno task models add; default: TEXT_ENCODER, none)",
  },
  "image-encoder": {
    type: "string",
    help: "image encoder: mobilenet-v2 or hf-image:NAME (default: mobilenet-v2)",
  },
} as const;

/** The feature config for the flags (or the settings' defaults), and the extras it turns on. */
export function featureConfigFromFlags(
  values: { extras?: string; "ocr-langs"?: string; "text-encoder"?: string; "image-encoder"?: string },
  settings: Settings,
): { config: FeatureConfig; extras: FeatureExtra[] } {
  let extras: FeatureExtra[];
  try {
    extras = values.extras === undefined ? settings.extras ?? [] : parseExtras(values.extras);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const ocrLangs = values["ocr-langs"]?.split(/[+,]/) ?? settings.ocrLangs;
  const text = values["text-encoder"] ?? settings.textEncoder;
  const image = values["image-encoder"];
  for (const [modality, name] of [["text", text], ["image", image]] as const) {
    if (!name) continue;
    let reads: string;
    try {
      reads = encoderModality(name);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (reads !== modality) {
      throw new UsageError(`Cannot use "${name}" as the ${modality} encoder: it encodes ${reads}`);
    }
  }
  const config = withEncoders(withExtras(DEFAULT_FEATURE_CONFIG, extras, { ocrLangs }), { text, image });
  return { config, extras };
}
