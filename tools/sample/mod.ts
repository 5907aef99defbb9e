/**
 * The deterministic multimodal sample corpus: the embedded default's data.
 *
 * ```ts
 * import { generateSample } from "../tools/sample/mod.ts"; // from scripts/
 * const summary = await generateSample("data/raw/sample", { posts: 3000, seed: 7 });
 * ```
 */
export {
  countPlan,
  generateSample,
  type GenerateSampleOptions,
  GENERATOR_VERSION,
  type SampleCounts,
  type SampleManifest,
  type SampleProgress,
  type SampleSummary,
} from "./generate.ts";
export {
  type ImagePlan,
  type MediaSpec,
  MIXES,
  type ModalityMix,
  type PlannedPost,
  type PlanOptions,
  planSample,
  type SamplePlan,
  type SamplePostJson,
  type SampleUserJson,
  type VideoPlan,
} from "./plan.ts";
export {
  type Carrier,
  TAG_NAMES,
  TAGS,
  type TagSpec,
  trendFactor,
  type TrendShape,
  WINDOW_END,
  WINDOW_START,
} from "./tags.ts";
export { type Lang, LANGS } from "./phrases.ts";
export { renderImage } from "./image.ts";
