/** All rows of assembled features as the fusion model's input (the same layout training uses). */
import type { AssembledFeatures } from "@/encode/feature_set.ts";
import type { FusionData } from "@/model/mod.ts";

export function fusionInput(f: AssembledFeatures): FusionData {
  return {
    count: f.count,
    textIds: f.textIds,
    textWeights: f.textWeights,
    image: f.image,
    video: f.video,
    metadata: f.metadata,
    mask: f.mask,
  };
}
