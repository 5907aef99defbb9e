/** Modality dropout on presence masks: hides present modalities at random, never all of a sample's. */
import { MODALITIES } from "@/core/mod.ts";
import type { Rng } from "@/core/mod.ts";

/** Options of `dropModalities`. */
export interface ModalityDropoutOptions {
  /** Probability of hiding each present modality of a sample. @default 0.15 */
  rate?: number;
  /** Which mask columns may be dropped (modalities the model has). @default all */
  enabled?: readonly boolean[];
}

/**
 * Returns a copy of `mask` (rows of MODALITIES.length 0/1 values) where each present, enabled modality
 * is zeroed with probability `rate`; if that would hide every present modality of a sample, one of them,
 * chosen at random, is kept.
 */
export function dropModalities(mask: Uint8Array, rng: Rng, options: ModalityDropoutOptions = {}): Uint8Array {
  const { rate = 0.15, enabled = MODALITIES.map(() => true) } = options;
  const m = MODALITIES.length;
  const out = mask.slice();
  if (rate <= 0) return out;
  const present: number[] = [];
  for (let row = 0; row < out.length; row += m) {
    present.length = 0;
    for (let j = 0; j < m; j++) if (out[row + j] && enabled[j]) present.push(j);
    if (present.length === 0) continue;
    let kept = 0;
    for (const j of present) {
      if (rng() < rate) out[row + j] = 0;
      else kept++;
    }
    if (kept === 0) out[row + present[Math.floor(rng() * present.length)]] = 1;
  }
  return out;
}
