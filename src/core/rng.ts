/**
 * The one seeded pseudo-random generator (mulberry32) every stage uses, so a seed means the same
 * sequence everywhere. Each seeding helper keeps the exact sequence its callers always had.
 */

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/** The mulberry32 stream whose 32-bit state starts at `state`. */
export function mulberry32(state: number): Rng {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 with the seed mixed with the golden ratio first (how the model seeds its draws). */
export function createRng(seed: number): Rng {
  return mulberry32((seed >>> 0) ^ 0x9e3779b9);
}

/** mulberry32 seeded from a number or a string by FNV-1a over its text (so "1" and 1 agree). */
export function textSeededRng(seed: number | string): Rng {
  let h = 2166136261 >>> 0;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return mulberry32(h);
}

/** Shuffles `values` in place (Fisher-Yates) and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, rng: Rng): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}
