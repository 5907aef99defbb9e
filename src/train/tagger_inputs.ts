/**
 * The tagger's inputs from assembled features: the rows' labels, fold items and full TF-IDF bags, and the
 * network's fit and prediction on any subset of rows (with modalities hidden for the single-modality
 * comparison), configured the way the product trains it.
 *
 * @module
 */
import {
  type AssembledFeatures,
  type FittedFeatures,
  networkBuckets,
  type SparseVector,
} from "@/encode/mod.ts";
import { fit, predict } from "@/model/mod.ts";
import { selectRows } from "./evaluate.ts";
import type { LabelMatrix } from "./f_beta.ts";
import { type TaggerInputs, tunedF05 } from "./fit_tagger.ts";
import type { FoldItem } from "./folds.ts";
import { type HiddenModality, toFusion } from "./score_model.ts";

/** Share of a training post's n-grams hidden from the deep text bag each step (regularizes the bag). */
export const NGRAM_DROPOUT = 0.5;

export function taggerInputs(
  feats: AssembledFeatures,
  o: {
    labels: LabelMatrix;
    items: FoldItem[];
    vectors: SparseVector[];
    fitted: FittedFeatures;
    seed: number;
    /** Modalities left out of both parts. */
    hide: HiddenModality[];
    /** Per modality (text, image, video, metadata): whether any training post has it. */
    seen: boolean[];
  },
): TaggerInputs {
  const { labels, hide, seen, seed } = o;
  return {
    labels,
    items: o.items,
    vectors: hide.includes("text") ? null : o.vectors,
    vectorDim: o.fitted.ngrams.options.buckets,
    fitNetwork: (rows, f) => {
      const y = f.validation ? selectRows(labels, f.validation) : undefined;
      return fit(toFusion(feats, rows, labels, hide), {
        seed,
        epochs: f.epochs,
        validation: f.validation ? toFusion(feats, f.validation, labels, hide) : undefined,
        // Keep the epoch whose held-out predictions score best once thresholds are tuned.
        validationScore: y ? (p) => tunedF05({ data: p, rows: y.rows, cols: y.cols }, y) : undefined,
        ngramDropout: NGRAM_DROPOUT,
        // Plain BCE: per-tag decisions tuned out of fold handle rare tags (up-weighting positives cost
        // 0.006 weighted F0.5 on GoEmotions).
        positiveWeighting: "none",
        // Small sets: more, smaller steps per epoch (256-post batches give 3 steps on 700 posts; 32
        // doubled the network's held-out F0.5 on GoEmotions 720 draws).
        batchSize: Math.max(32, Math.min(256, 2 ** Math.floor(Math.log2(rows.length / 20)))),
        config: {
          seed,
          // A modality no training post has is left out of the network: its projection would stay untrained.
          inputSizes: {
            // with a sentence encoder: its embeddings beside the bag (0: n-grams only)
            text: seen[0] ? feats.sizes.text : 0,
            image: seen[1] ? feats.sizes.image : 0,
            video: seen[2] ? feats.sizes.video : 0,
            metadata: seen[3] ? feats.sizes.metadata : 0,
          },
          sparseText: {
            buckets: networkBuckets(o.fitted),
            dim: 64,
            maxTokens: feats.sizes.maxTokens,
            wide: true,
          },
          numTags: labels.cols,
        },
        onEpoch: (e) => f.onEpoch?.(e.epoch, e.trainLoss, e.valLoss, e.valScore),
      });
    },
    predictNetwork: async (model, rows) => ({
      data: await predict(model, toFusion(feats, rows, undefined, hide)),
      rows: rows.length,
      cols: labels.cols,
    }),
  };
}
