/**
 * Pretrained image encoder: an image-feature-extraction model (CLIP vision, ViT, DINOv2, ResNet, ...) in a
 * local folder in Hugging Face layout, run through `@huggingface/transformers`. The image processor from
 * `preprocessor_config.json` resizes, crops and normalizes; the embedding is the model's pooled output.
 *
 * Folder layout:
 * ```
 * <folder>/config.json                 model_type ("clip", "vit", "dinov2", "resnet", ...)
 * <folder>/preprocessor_config.json
 * <folder>/onnx/model.onnx             (CLIP: onnx/vision_model.onnx; *_quantized.onnx also accepted)
 * ```
 *
 * Pooling (`pooling: "auto"`): `image_embeds` (CLIP's projected embedding) if the model returns it, else
 * `pooler_output`, else the mean of `last_hidden_state` over tokens (or over H, W for 4-D feature maps).
 *
 * Good choices (download once on a machine with internet, copy the folder):
 * - `Xenova/clip-vit-base-patch32`: 512-d CLIP image embeddings (the vision tower only is loaded);
 *   shares a space with CLIP text, good for topics of memes, screenshots and photos.
 * - `Xenova/dinov2-small`: 384-d self-supervised features, strong for visual similarity.
 * - `Xenova/resnet-50`: 2048-d ImageNet features.
 *
 * Network: local files only unless `allowDownload: true` (then `folder` may be a hub id).
 *
 * @module
 */
import { AutoImageProcessor, RawImage, type Tensor } from "@huggingface/transformers";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { resolve } from "node:path";
import type { ImageInput } from "@/core/mod.ts";
import { l2Normalize } from "../_vector.ts";
import type { Encoder } from "../encoder.ts";
import { prepareHfSource } from "../text/hf.ts";
import { createOrtSession, describeProvider, type OrtDevice } from "../ort_session.ts";

/** Options of {@linkcode createHfImageEncoder}. */
export interface HfImageOptions {
  /** Let transformers.js fetch missing files from the Hugging Face hub. @default false */
  allowDownload?: boolean;
  /** Weights variant: "fp32" reads onnx/<name>.onnx, "q8" onnx/<name>_quantized.onnx. @default auto */
  dtype?: "fp32" | "q8";
  /** Which output becomes the embedding (see the module doc). @default "auto" */
  pooling?: "auto" | "image_embeds" | "pooler" | "mean" | "cls";
  /** L2-normalize the embeddings. @default true */
  normalize?: boolean;
  /** Images per forward pass. @default 16 */
  batchSize?: number;
  /** onnxruntime intra-op threads. @default 2 */
  threads?: number;
  /** Execution provider (../ort_session.ts). @default "cpu" */
  device?: OrtDevice;
  /** What identifies the weights in the encoder's version (cache keys); added models give their graph's sha256. @default a hash of config.json and the graph's size */
  fingerprint?: string;
  /** Images are first shrunk by sharp so their longer side is at most this (the processor resizes after). @default 512 */
  maxSide?: number;
}

/** Decodes an {@linkcode ImageInput} into a transformers.js RGB `RawImage`, shrunk to `maxSide`. */
export async function toRawImage(input: ImageInput, maxSide = 512): Promise<RawImage> {
  const what = typeof input === "string"
    ? input
    : input instanceof Uint8Array
    ? `<${input.length} bytes>`
    : `<raw ${input.width}x${input.height}x${input.channels}>`;
  try {
    const img = typeof input === "string" || input instanceof Uint8Array
      ? sharp(input, { failOn: "none" })
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } });
    const { data, info } = await img.rotate().flatten({ background: "#000000" }).toColourspace("srgb")
      .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
      .removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return new RawImage(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      info.width,
      info.height,
      3,
    );
  } catch (err) {
    throw new TypeError(`Cannot decode image "${what}": ${err instanceof Error ? err.message : err}`);
  }
}

type Outputs = Record<string, Pick<Tensor, "data" | "dims">>;

function pool(outputs: Outputs, pooling: NonNullable<HfImageOptions["pooling"]>, id: string) {
  const pick = (name: string) => outputs[name];
  let t: Outputs[string] | undefined;
  let how = pooling;
  if (pooling === "auto") {
    t = pick("image_embeds") ?? pick("pooler_output");
    if (!t) how = "mean";
  } else if (pooling === "image_embeds") t = pick("image_embeds");
  else if (pooling === "pooler") t = pick("pooler_output");
  if (how === "mean" || how === "cls") {
    const s = pick("last_hidden_state");
    if (s) {
      const data = s.data as Float32Array;
      if (s.dims.length === 4) {
        // [b, c, h, w] feature maps (ResNet-like): global average pool.
        const [b, c, h, w] = s.dims;
        return Array.from({ length: b }, (_, i) => {
          const v = new Float32Array(c);
          for (let k = 0; k < c; k++) {
            let sum = 0;
            for (let p = 0; p < h * w; p++) sum += data[(i * c + k) * h * w + p];
            v[k] = sum / (h * w);
          }
          return v;
        });
      }
      const [b, n, d] = s.dims;
      return Array.from({ length: b }, (_, i) => {
        const v = new Float32Array(d);
        if (how === "cls") v.set(data.subarray(i * n * d, i * n * d + d));
        else {
          for (let p = 0; p < n; p++) for (let k = 0; k < d; k++) v[k] += data[(i * n + p) * d + k];
          for (let k = 0; k < d; k++) v[k] /= n;
        }
        return v;
      });
    }
  }
  if (!t) {
    throw new Error(
      `Cannot pool outputs of "${id}" with pooling "${pooling}": outputs are ${
        Object.keys(outputs).join(", ")
      }`,
    );
  }
  const data = t.data as Float32Array;
  const b = t.dims[0];
  const d = data.length / b;
  return Array.from({ length: b }, (_, i) => data.slice(i * d, (i + 1) * d));
}

/** Loads a Hugging Face layout image model from `folder` (see the module doc). */
export async function createHfImageEncoder(
  folder: string,
  options: HfImageOptions = {},
): Promise<Encoder<"image">> {
  const {
    allowDownload = false,
    pooling = "auto",
    normalize = true,
    batchSize = 16,
    threads = 2,
    maxSide = 512,
  } = options;
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await Deno.readTextFile(resolve(folder, "config.json")));
  } catch {
    // checked below with a helpful message
  }
  const isClip = config.model_type === "clip" || config.model_type === "clip_vision_model";
  const modelFile = isClip ? "vision_model" : "model";
  const source = await prepareHfSource(folder, "image", {
    allowDownload,
    dtype: options.dtype,
    modelFile,
  });
  const { path, dtype } = source;
  const fingerprint = options.fingerprint ?? source.fingerprint;
  const local = { local_files_only: !allowDownload };
  const processor = await AutoImageProcessor.from_pretrained(path, local);
  const file = resolve(path, "onnx", `${modelFile}${dtype === "q8" ? "_quantized" : ""}.onnx`);
  const info = await createOrtSession(file, { device: options.device ?? "cpu", threads });
  const { session } = info;
  const name = folder.replace(/\/+$/, "").split("/").pop() ?? folder;
  const id = `hf-image:${name}`;
  let closed = false;

  async function run(images: ImageInput[]): Promise<Float32Array[]> {
    const raws = await Promise.all(images.map((img) => toRawImage(img, maxSide)));
    const { pixel_values } = await processor(raws) as { pixel_values: Tensor };
    const x = new ort.Tensor("float32", pixel_values.data as Float32Array, pixel_values.dims);
    const outputs = await session.run({ [session.inputNames[0]]: x }) as unknown as Outputs;
    const pooled = pool(outputs, pooling, id);
    return normalize ? pooled.map(l2Normalize) : pooled;
  }

  // One probe image gives the output size whatever the architecture.
  const probe = { data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32, channels: 3 as const };
  const dim = (await run([probe]))[0].length;
  return {
    id,
    version: `${config.model_type ?? "unknown"}-${fingerprint}+${dtype}+${pooling}${normalize ? "-l2" : ""}`,
    modality: "image",
    dim,
    runtime: `onnxruntime-node ${describeProvider(info)}`,
    async encode(batch: ImageInput[]): Promise<Float32Array[]> {
      if (closed) throw new Error(`Cannot encode with "${id}": the encoder is closed`);
      const out: Float32Array[] = [];
      for (let i = 0; i < batch.length; i += batchSize) out.push(...await run(batch.slice(i, i + batchSize)));
      return out;
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await session.release();
      }
    },
  };
}
