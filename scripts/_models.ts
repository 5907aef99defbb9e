/** What the scripts that embed images do first: build the default image encoder's graph if it is missing. */
import type { Settings } from "@/config/mod.ts";
import { ensureEncoderFiles } from "../tools/models/mod.ts";

export async function ensureModels(settings: Settings): Promise<void> {
  const { path, built } = await ensureEncoderFiles(settings);
  if (built) console.log(`built the MobileNetV2 graph (once per machine): ${path}`);
}
