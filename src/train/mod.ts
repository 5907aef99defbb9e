/**
 * Training: the tagger (linear model on the full TF-IDF bag + fusion network, blended, calibrated, decided
 * per tag), its tuning protocol, scoring, manifests and the model registry.
 */
export { evaluate, padColumns, selectRows } from "./evaluate.ts";
export { fitLinear, type LinearModel, type LinearOptions, predictLinear, sparseRows } from "./linear.ts";
export { decide, loadScorer, scoreAssembled, type Scorer, toFusion } from "./score_model.ts";
export { loadTagger, saveTagger, type TaggerMeta, type TaggerParts } from "./tagger.ts";
export { adjustedShare, estimateShares, shareError, type TagRates, tagRates } from "./shares.ts";
export { train, type TrainOptions, type TrainResult } from "./train.ts";
