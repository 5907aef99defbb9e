/**
 * The pretrained encoders a training run opens for its feature config — the image encoder always, the
 * sentence encoder when `text.encoder` names one — and what the manifest records of each (name,
 * id@version, width, provider, file hashes).
 *
 * @module
 */
import type { Settings } from "@/config/mod.ts";
import {
  createEncoder,
  type Encoder,
  encoderOptions,
  type EncoderRecord,
  encoderRecord,
  type FeatureConfig,
} from "@/encode/mod.ts";

export interface TrainEncoders {
  image: Encoder<"image">;
  text?: Encoder<"text">;
  /** By modality, for the manifest and the fitted features. */
  records: { image: EncoderRecord; text?: EncoderRecord };
  close(): Promise<void>;
}

/** Opens the encoders `config` names (added models are found under `settings.modelsDir`). */
export async function openTrainEncoders(config: FeatureConfig, settings: Settings): Promise<TrainEncoders> {
  const name = config.text.encoder;
  const text = name ? await createEncoder("text", name, encoderOptions(settings)) : undefined;
  const image = await createEncoder("image", config.image.encoder, encoderOptions(settings)).catch(
    async (err) => {
      await text?.close();
      throw err;
    },
  );
  return {
    image,
    text,
    records: {
      image: encoderRecord(config.image.encoder, image),
      ...(text ? { text: encoderRecord(name!, text) } : {}),
    },
    async close() {
      await image.close();
      await text?.close();
    },
  };
}
