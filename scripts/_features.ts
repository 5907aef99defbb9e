/** The feature extras flags that preprocess and train share (so both build the same feature config). */
import { type FeatureExtra, parseExtras, type Settings } from "@/config/mod.ts";
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, withExtras } from "@/encode/mod.ts";
import { UsageError } from "./_cli.ts";

/** parseArgs options: `--extras ocr,objects` (default FEATURE_EXTRAS), `--ocr-langs eng+deu` (default OCR_LANGS). */
export const EXTRAS_OPTIONS = {
  extras: { type: "string" },
  "ocr-langs": { type: "string" },
} as const;

/** The feature config for the flags (or the settings' defaults), and the extras it turns on. */
export function featureConfigFromFlags(
  values: { extras?: string; "ocr-langs"?: string },
  settings: Settings,
): { config: FeatureConfig; extras: FeatureExtra[] } {
  let extras: FeatureExtra[];
  try {
    extras = values.extras === undefined ? settings.extras ?? [] : parseExtras(values.extras);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const ocrLangs = values["ocr-langs"]?.split(/[+,]/) ?? settings.ocrLangs;
  return { config: withExtras(DEFAULT_FEATURE_CONFIG, extras, { ocrLangs }), extras };
}
