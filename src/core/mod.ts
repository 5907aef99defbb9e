/**
 * What every stage shares and nothing else: the core nouns (modalities, pixels, image inputs) and the
 * one seeded random generator, and a file check. Imports nothing from the rest of src/.
 *
 * @module
 */
export * from "./types.ts";
export * from "./rng.ts";
export * from "./fs.ts";
