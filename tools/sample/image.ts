/** Renders an image spec (an SVG scene) to a file with sharp, with fixed encoder settings. */
import sharp from "sharp";
import { Prng } from "./_prng.ts";
import type { ImagePlan } from "./plan.ts";
import { sceneSvg } from "./scenes.ts";

/** Encodes an SVG document into `spec.format` bytes; output is byte-identical for the same input. */
export async function encodeSvg(svg: string, spec: Pick<ImagePlan, "format">): Promise<Uint8Array> {
  const img = sharp(new TextEncoder().encode(svg));
  switch (spec.format) {
    case "jpeg":
      return await img.jpeg({ quality: 72 }).toBuffer();
    case "png":
      return await img.png({ compressionLevel: 9, palette: true, effort: 3 }).toBuffer();
    case "webp":
      return await img.webp({ quality: 70, effort: 2 }).toBuffer();
    case "gif":
      return await img.gif({ effort: 1 }).toBuffer();
    case "avif":
      return await img.avif({ quality: 45, effort: 0 }).toBuffer();
    case "tiff":
      return await img.tiff({ compression: "jpeg", quality: 70 }).toBuffer();
  }
}

/** Renders `spec` into `<baseDir>/<spec.path>` and returns the number of bytes written. */
export async function renderImage(spec: ImagePlan, baseDir: string): Promise<number> {
  const svg = sceneSvg(spec.scene, spec.width, spec.height, new Prng(spec.seed));
  let bytes: Uint8Array;
  try {
    bytes = await encodeSvg(svg, spec);
  } catch (err) {
    throw new Error(`Cannot render image "${spec.path}": sharp failed on scene "${spec.scene}"`, {
      cause: err,
    });
  }
  await Deno.writeFile(`${baseDir}/${spec.path}`, bytes);
  return bytes.length;
}
