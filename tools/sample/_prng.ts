/**
 * A small seeded PRNG (splitmix32 seeding + mulberry32 stream) and the draws the generator needs.
 * Never use Math.random in the sample generator: every draw goes through a `Prng`.
 */
import { mulberry32 } from "@/core/mod.ts";

/** Mixes a 32-bit integer (the splitmix32 finalizer). */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Derives an independent 32-bit seed from a seed and a list of integers or strings. */
export function deriveSeed(seed: number, ...parts: (number | string)[]): number {
  let h = mix32(seed >>> 0);
  for (const part of parts) {
    if (typeof part === "number") h = mix32(h ^ (part >>> 0));
    else for (let i = 0; i < part.length; i++) h = mix32(h ^ part.charCodeAt(i));
  }
  return h;
}

/** A deterministic stream of uniform numbers in [0, 1) with convenience draws. */
export class Prng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(mix32(seed >>> 0));
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    return this.#next();
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from a list: it is empty");
    return items[Math.floor(this.next() * items.length)];
  }

  /** An index drawn in proportion to non-negative `weights`. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    if (!(total > 0)) throw new RangeError(`Cannot draw a weighted index: total weight is "${total}"`);
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** A key of `table` drawn in proportion to its value. */
  weighted<K extends string>(table: Readonly<Record<K, number>>): K {
    const keys = Object.keys(table) as K[];
    return keys[this.weightedIndex(keys.map((k) => table[k]))];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** exp(N(mu, sigma)). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
