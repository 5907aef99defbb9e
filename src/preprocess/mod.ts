/**
 * Preprocessing, one shape per modality: images (decode, orient, resize, normalize), video frames
 * (probe, seeded seeks, scene changes, facts), text (normalization, language id) and metadata
 * (a transform fitted on the training window). Bad input throws {@linkcode InputDataError}.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./image.ts";
export * from "./video.ts";
export * from "./text.ts";
export * from "./language.ts";
export * from "./metadata.ts";
export { runFfmpeg } from "./_ffmpeg.ts";
export { turboJpegAvailable } from "./_turbojpeg.ts";
