/**
 * Multi-input fusion model (tfjs): one input per modality plus a presence mask, trained with a
 * positive-weighted BCE, modality dropout and early stopping; saved to a folder with its meta.
 *
 * ```ts
 * const backend = await selectBackend(); // log backend.name, record it in the manifest
 * const { model } = await fit(train, { validation, seed: 7 });
 * const probs = await predict(model, posts);
 * await saveFusionModel(model, "models/2026-11-29", { tags, thresholds });
 * ```
 */
export {
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  selectBackend,
  type SelectBackendOptions,
} from "./backend.ts";
export {
  DEFAULT_FUSION_CONFIG,
  type FusionConfig,
  type FusionConfigInput,
  resolveFusionConfig,
  type SparseTextConfig,
} from "./config.ts";
export { type FusionData } from "./data.ts";
export { type EpochStats, fit, type FitOptions, type FitResult } from "./fit.ts";
export {
  type PositiveWeighting,
  type PositiveWeightOptions,
  positiveWeights,
  weightedBceFromLogits,
} from "./loss.ts";
export { dropModalities, type ModalityDropoutOptions } from "./modality_dropout.ts";
export { buildFusionNetwork, type FusionModel } from "./network.ts";
export { predict, type PredictOptions } from "./predict.ts";
export { type SparseOptimizerOptions } from "./sparse_bag.ts";
export {
  type JsonValue,
  loadFusionModel,
  type ModelMeta,
  saveFusionModel,
  type SaveOptions,
} from "./save_load.ts";
export { uploadFloat32 } from "./gpu_upload.ts";
