/**
 * Encoders: from posts to the fusion model's inputs. The registry finds pretrained encoders by name
 * (./registry.ts); the feature set prepares text (./texts.ts), fits what travels with the model
 * (./fitted.ts) and assembles every modality through the Arrow feature cache (./assemble.ts,
 * ./precompute.ts), as ./feature_config.ts says. One folder per modality: text/, image/,
 * and the optional extras/ (OCR, COCO objects).
 *
 * Modules that load onnxruntime, transformers.js or tfjs's wasm backend are imported on first use, so
 * importing this module stays cheap and never selects a tfjs backend.
 *
 * @module
 */
import type { ObjectScorer, ObjectScorerOptions } from "./extras/objects.ts";

export type {
  Encoder,
  EncoderInput,
  EncoderModality,
  EncoderOptions,
  ImageEncoderModel,
  TextEncoderModel,
} from "./encoder.ts";
export * from "./registry.ts";
export { encoderOptions, imageLayoutFor } from "./encoder_options.ts";
export * from "./added_models.ts";
export * from "./feature_config.ts";
export * from "./texts.ts";
export {
  embedPostTexts,
  type TextEmbedder,
  textEmbeddingKey,
  type TextEmbeddings,
} from "./text_embeddings.ts";
export * from "./fitted.ts";
export { CacheShelf } from "./cache_shelf.ts";
export { type AssembleContext, embedPostMedia, type FeatureProblem } from "./post_media.ts";
export * from "./assemble.ts";
export * from "./precompute.ts";
export {
  embedImages,
  embedVideos,
  type ImageEmbedder,
  type ImageFeatureConfig,
  imageKey,
  type MediaRef,
  videoDim,
  type VideoFeatureConfig,
  videoKey,
} from "./media_features.ts";
export {
  denseProjection,
  hashGram,
  type SparseVector,
  TEXT_NGRAMS_ID,
  TEXT_NGRAMS_VERSION,
  TextNgramsEncoder,
  type TextNgramsOptions,
  type TextNgramsState,
  tokenize,
} from "./text/ngrams.ts";
export {
  CONVERTER_VERSION,
  MOBILENET_LAYOUTS,
  MOBILENET_SIZE,
  type MobileNetGraphOptions,
  type MobileNetLayout,
  mobileNetOnnxFile,
  mobileNetOnnxPath,
} from "./image/mobilenet_graph.ts";
export {
  dequantize,
  type KerasLayer,
  loadMobileNetTfjs,
  loadMobileNetWeights,
  MOBILENET_DEFAULT_LAYER,
  MOBILENET_IMAGENET_LAYER,
  type MobileNetTfjs,
  type MobileNetWeights,
} from "./image/mobilenet_weights.ts";
export { type ObjectScorer, type ObjectScorerOptions } from "./extras/objects.ts";
export {
  type OcrConfig,
  ocrImages,
  type OcrResult,
  type OcrRunOptions,
  resolveOcrConfig,
} from "./extras/ocr.ts";

/** The COCO object scorer (CenterNet on tfjs + wasm); importing it registers tfjs's wasm backend. */
export async function loadObjectScorer(options: ObjectScorerOptions = {}): Promise<ObjectScorer> {
  return await (await import("./extras/objects.ts")).loadObjectScorer(options);
}
export { type HfTextRecipe, poolStates, readHfTextRecipe, type TextPooling } from "./text/hf_config.ts";
export {
  createOrtSession,
  describeProvider,
  type OrtDevice,
  type OrtProvider,
  type OrtSessionInfo,
  providerUnavailable,
} from "./ort_session.ts";
export type { HfTokenizer, TokenBatch } from "./text/hf_tokenize.ts";

/** Loads the tokenizer of a local Hugging Face folder (./text/hf_tokenize.ts; imports transformers.js on first use). */
export async function loadHfTokenizer(path: string): Promise<import("./text/hf_tokenize.ts").HfTokenizer> {
  const { loadHfTokenizer } = await import("./text/hf_tokenize.ts");
  return await loadHfTokenizer(path);
}
