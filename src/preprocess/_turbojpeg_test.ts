import assert from "node:assert/strict";
import sharp from "sharp";
import { dctScale, decodeJpegScaled, readJpegMarkers, turboJpegAvailable } from "./_turbojpeg.ts";
import { decodeRgb } from "./image.ts";

/** A photo-like, asymmetric test image (gradients, a bright block top-left) as a plain JPEG. */
async function plainJpeg(width: number, height: number): Promise<Uint8Array> {
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const block = x < width / 3 && y < height / 3;
      px[i] = block ? 250 : (x * 255) / width;
      px[i + 1] = block ? 240 : (y * 255) / height;
      px[i + 2] = ((x + 2 * y) * 255) / (width + 2 * height);
    }
  }
  const jpeg = await sharp(px, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(jpeg);
}

/** Inserts an APP1 EXIF segment holding only the orientation tag (no ICC profile, unlike sharp's). */
function withOrientation(jpeg: Uint8Array, orientation: number, littleEndian = false): Uint8Array {
  const u16 = (v: number) => (littleEndian ? [v & 255, v >> 8] : [v >> 8, v & 255]);
  const u32 = (v: number) => (littleEndian ? [v & 255, 0, 0, v >> 24] : [v >> 24, 0, 0, v & 255]);
  const tiff = [
    ...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]),
    ...u16(42),
    ...u32(8),
    ...u16(1), // one IFD entry
    ...u16(0x0112), // Orientation
    ...u16(3), // SHORT
    ...u32(1),
    ...u16(orientation),
    0,
    0,
    ...u32(0), // no next IFD
  ];
  const body = [...new TextEncoder().encode("Exif\0\0"), ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  return new Uint8Array([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

Deno.test("libjpeg-turbo is loaded (setup installs libturbojpeg0), so JPEGs take the fast path", () => {
  assert.ok(turboJpegAvailable(), "libturbojpeg.so.0 not found: apt-get install libturbojpeg0");
});

Deno.test("readJpegMarkers() reads the EXIF orientation in both byte orders and tells sRGB profiles from others", async () => {
  const plain = await plainJpeg(64, 40);
  assert.deepEqual(readJpegMarkers(plain), { orientation: 1, hasIcc: false, iccIsSrgb: false });
  assert.equal(readJpegMarkers(withOrientation(plain, 6)).orientation, 6);
  assert.equal(readJpegMarkers(withOrientation(plain, 8, true)).orientation, 8);
  const srgb = await sharp(plain).withMetadata({ orientation: 3 }).jpeg().toBuffer(); // embeds sharp's sRGB
  assert.deepEqual(readJpegMarkers(new Uint8Array(srgb)), { orientation: 3, hasIcc: true, iccIsSrgb: true });
  const p3 = await sharp(plain).withIccProfile("p3").jpeg().toBuffer();
  assert.deepEqual(readJpegMarkers(new Uint8Array(p3)), { orientation: 1, hasIcc: true, iccIsSrgb: false });
});

Deno.test("dctScale() picks the smallest eighth whose short side still covers the target", () => {
  assert.equal(dctScale(1000, 224), 2); // 250
  assert.equal(dctScale(896, 224), 2); // exactly 224
  assert.equal(dctScale(895, 224), 2); // libjpeg rounds scaled sizes up: 223.75 -> 224
  assert.equal(dctScale(888, 224), 3);
  assert.equal(dctScale(4000, 224), 1); // 500
  assert.equal(dctScale(224, 224), 8);
  assert.equal(dctScale(100, 224), 8); // never enlarges in the decoder
});

Deno.test("decodeJpegScaled() decodes at the DCT scale and declines what it cannot do exactly", async () => {
  const photo = await plainJpeg(1600, 1000);
  const scaled = await decodeJpegScaled(photo, 224, 50_000_000);
  assert.ok(scaled);
  assert.deepEqual([scaled.width, scaled.height, scaled.data.length], [400, 250, 400 * 250 * 3]);
  // an sRGB profile needs no conversion
  const srgb = new Uint8Array(await sharp(photo).withMetadata().jpeg().toBuffer());
  assert.ok(await decodeJpegScaled(srgb, 224, 50_000_000));
  // declined: over the pixel limit, another profile, CMYK, cut short (sharp then decides, with its errors)
  assert.equal(await decodeJpegScaled(photo, 224, 1_000_000), undefined);
  const p3 = new Uint8Array(await sharp(photo).withIccProfile("p3").jpeg().toBuffer());
  assert.equal(await decodeJpegScaled(p3, 224, 50_000_000), undefined);
  const cmyk = new Uint8Array(await sharp(photo).toColourspace("cmyk").jpeg().toBuffer());
  assert.equal(await decodeJpegScaled(cmyk, 224, 50_000_000), undefined);
  assert.equal(await decodeJpegScaled(photo.subarray(0, photo.length / 2), 224, 50_000_000), undefined);
});

Deno.test("decodeRgb() gives the same pixels on the fast path as sharp alone, for all eight orientations and an sRGB profile", async () => {
  const stored = await plainJpeg(480, 300);
  for (let orientation = 1; orientation <= 8; orientation++) {
    const jpeg = withOrientation(stored, orientation);
    const fast = await decodeRgb(jpeg, 64);
    const reference = await sharp(jpeg).rotate().resize(64, 64, { fit: "cover" }).raw().toBuffer();
    const diff = meanAbsDiff(fast.data, new Uint8Array(reference));
    assert.ok(diff < 1, `orientation ${orientation}: mean difference ${diff.toFixed(2)} levels`);
  }
  const srgb = new Uint8Array(await sharp(stored).withMetadata().jpeg({ quality: 90 }).toBuffer());
  const reference = await sharp(srgb).rotate().resize(64, 64, { fit: "cover" }).raw().toBuffer();
  const diff = meanAbsDiff((await decodeRgb(srgb, 64)).data, new Uint8Array(reference));
  assert.ok(diff < 1, `sRGB profile: mean difference ${diff.toFixed(2)} levels`);
});
