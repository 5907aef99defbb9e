/**
 * Object scores for the 80 COCO classes, an optional image feature (the `objects` extra).
 *
 * The network is the CenterNet (MobileNetV3 backbone) graph model that ships in `@vladmandic/human`
 * (`models/centernet.json` + `centernet.bin`): loaded from that local folder by a file IO handler (never
 * a URL), run by `@tensorflow/tfjs` on the wasm backend. Its input is one 512x512 RGB image as float
 * pixels in [0, 255] (no other normalization); its output `tower_0/detections` is `[1, 100, 6]`: the top
 * 100 detections as `x1, y1, x2, y2, score, class` with `class` a 0-based index into
 * {@linkcode COCO_CLASSES}. An image's vector is the maximum score per class over its detections (0 for
 * a class never detected), so every entry is in [0, 1].
 *
 * {@linkcode withObjectScores} wraps an image encoder so each embedding gets the 80 scores appended; the
 * wrapper's id and version name the extra, so feature cache rows with and without it never mix.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ImageInput } from "@/core/mod.ts";
import { toRgbSquare } from "../image/input.ts";
import type { ImageEmbedder } from "../media_features.ts";
import { useTfjsWasm } from "../image/mobilenet_tfjs.ts";

/** The 80 COCO class names, in the model's class index order. */
// deno-fmt-ignore
export const COCO_CLASSES: readonly string[] = Object.freeze([
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
  "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
  "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
  "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
  "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
  "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
  "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
  "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
  "scissors", "teddy bear", "hair drier", "toothbrush",
]);

/** Id of the extra, part of feature cache keys. */
export const OBJECTS_ID = "coco-centernet";
/** Bump when the scores change for the same image (decoding, input size, model). */
export const OBJECTS_VERSION = "1";
/** Length of an object score vector. */
export const OBJECTS_DIM = 80;

const INPUT = 512;
const OUTPUT = "tower_0/detections";

/** Options of {@linkcode loadObjectScorer}. */
export interface ObjectScorerOptions {
  /** Folder of `centernet.json` and its weights. @default the installed `@vladmandic/human`'s `models/` */
  modelDir?: string;
}

/** A loaded CenterNet: 80 class scores per image. */
export interface ObjectScorer {
  /** `coco-centernet@1+human-<version>`: names the decoding and the model. */
  readonly id: string;
  /** One `Float32Array(80)` of scores in [0, 1] per input, in input order. */
  score(images: ImageInput[]): Promise<Float32Array[]>;
  /** Frees the model's tensors; the scorer must not be used afterwards. */
  close(): void;
}

/** The `models/` folder of the installed `@vladmandic/human`, or an error saying how to install it. */
export function humanModelDir(): string {
  const require = createRequire(import.meta.url);
  try {
    // The package exports no package.json; its dist/ entry sits beside models/.
    return join(dirname(require.resolve("@vladmandic/human")), "..", "models");
  } catch (err) {
    throw new Error(
      `Cannot find the CenterNet model: package "@vladmandic/human" is not installed (${
        (err as Error).message
      }); install it with "npm install @vladmandic/human@3.3.6" or pass modelDir`,
      { cause: err },
    );
  }
}

interface WeightsManifestEntry {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads a tfjs graph model (model.json + its .bin shards) from a local folder: no fetch, no URL. */
function folderHandler(dir: string, name: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const path = join(dir, name);
      let json: {
        modelTopology: unknown;
        weightsManifest: WeightsManifestEntry[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        signature?: unknown;
      };
      try {
        json = JSON.parse(await Deno.readTextFile(path));
      } catch (err) {
        throw new Error(`Cannot load object model "${path}": ${(err as Error).message}`, { cause: err });
      }
      const shards = await Promise.all(
        json.weightsManifest.flatMap((g) => g.paths).map((p) => Deno.readFile(join(dir, p))),
      );
      const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
      shards.reduce((at, s) => (weightData.set(s, at), at + s.length), 0);
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature as tf.io.ModelArtifacts["signature"],
      };
    },
  };
}

/**
 * Turns CenterNet detections (`[n, 6]` rows of `x1, y1, x2, y2, score, class`, flattened) into the
 * maximum score per class. Rows with a class outside 0..79 or a non-finite score are skipped.
 */
export function classScores(detections: Float32Array | number[]): Float32Array {
  const out = new Float32Array(OBJECTS_DIM);
  for (let i = 0; i + 5 < detections.length; i += 6) {
    const score = detections[i + 4];
    const cls = detections[i + 5];
    if (!Number.isInteger(cls) || cls < 0 || cls >= OBJECTS_DIM || !Number.isFinite(score)) continue;
    const s = Math.min(1, Math.max(0, score));
    if (s > out[cls]) out[cls] = s;
  }
  return out;
}

/** `coco-centernet@1+human-3.3.6`: the extra, its decoding version and the model's package version. */
function objectsId(modelDir: string): string {
  let version = "local";
  try {
    version = JSON.parse(Deno.readTextFileSync(join(modelDir, "..", "package.json"))).version ?? version;
  } catch {
    // a model folder outside the package: keep "local"
  }
  return `${OBJECTS_ID}@${OBJECTS_VERSION}+human-${version}`;
}

/** Runs `fn` on the wasm backend, then restores the previous one (train/infer may use another). */
async function onWasm<T>(fn: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend() as string | null;
  await useTfjsWasm();
  if (tf.getBackend() !== "wasm") await tf.setBackend("wasm");
  try {
    return await fn();
  } finally {
    if (previous && previous !== "wasm") await tf.setBackend(previous);
  }
}

/** Loads the CenterNet object model from a local folder (see the module doc for its input and output). */
export async function loadObjectScorer(options: ObjectScorerOptions = {}): Promise<ObjectScorer> {
  const modelDir = options.modelDir ?? humanModelDir();
  const model = await onWasm(() => tf.loadGraphModel(folderHandler(modelDir, "centernet.json")));
  let closed = false;
  const id = objectsId(modelDir);
  return {
    id,
    score(images) {
      if (closed) return Promise.reject(new Error(`Cannot score objects with "${id}": the scorer is closed`));
      return onWasm(async () => {
        const out: Float32Array[] = [];
        for (const image of images) {
          // The model's batch is fixed at 1.
          const pixels = await toRgbSquare(image, INPUT, { fit: "fill" });
          const y = tf.tidy(() =>
            model.execute(tf.tensor4d(Float32Array.from(pixels), [1, INPUT, INPUT, 3]), OUTPUT) as tf.Tensor
          );
          const detections = await y.data() as Float32Array;
          y.dispose();
          out.push(classScores(detections));
        }
        return out;
      });
    },
    close() {
      if (!closed) {
        closed = true;
        model.dispose();
      }
    },
  };
}

/** An image embedder with the 80 object scores appended to each embedding. */
export interface WithObjects extends ImageEmbedder {
  /** Frees the object model (not the wrapped encoder). */
  close(): Promise<void>;
}

/**
 * Wraps `encoder`: each embedding is followed by the 80 object scores of the same image. The id and
 * version name both parts, so the feature cache keeps these rows apart from the plain encoder's. The
 * object model loads on the first `encode` call (a run whose images are all cached never loads it).
 */
export function withObjectScores(encoder: ImageEmbedder, options: ObjectScorerOptions = {}): WithObjects {
  const modelDir = options.modelDir ?? humanModelDir();
  let scorer: Promise<ObjectScorer> | undefined;
  return {
    id: `${encoder.id}+${OBJECTS_ID}`,
    version: `${encoder.version}+${objectsId(modelDir)}`,
    dim: encoder.dim + OBJECTS_DIM,
    async encode(batch) {
      scorer ??= loadObjectScorer({ modelDir });
      const [embeddings, scores] = await Promise.all([
        encoder.encode(batch),
        scorer.then((s) => s.score(batch.map((img) => ({ ...img, channels: 3 as const })))),
      ]);
      return embeddings.map((e, i) => {
        const row = new Float32Array(e.length + OBJECTS_DIM);
        row.set(e);
        row.set(scores[i], e.length);
        return row;
      });
    },
    async close() {
      (await scorer?.catch(() => undefined))?.close();
      scorer = undefined;
    },
  };
}
