import assert from "node:assert/strict";
import sharp, { type Sharp } from "sharp";
import { InputDataError } from "./errors.ts";
import {
  decodeRgb,
  IMAGENET_NORM,
  type ImageSpec,
  imageThumbnail,
  type KeyedImage,
  normalizeRgb,
  preprocessImage,
  preprocessImages,
  sniffImageFormat,
  UNIT_RANGE,
} from "./image.ts";

type Rgb = [number, number, number];

function solid(width: number, height: number, [r, g, b]: Rgb): Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
}

/** Left half `left`, right half `right`. */
async function halves(width: number, height: number, left: Rgb, right: Rgb): Promise<Sharp> {
  const half = await solid(width / 2, height, right).png().toBuffer();
  return solid(width, height, left).composite([{ input: half, left: width / 2, top: 0 }]);
}

function pixel(data: Uint8Array, width: number, x: number, y: number): Rgb {
  const i = (y * width + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string) {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${what}: got [${actual}], expected [${expected}] within ${tolerance}`,
    );
  }
}

async function assertInputError(promise: Promise<unknown>, reason: string, text: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputDataError, `expected InputDataError, got ${error}`);
    assert.equal(error.modality, "image");
    assert.equal(error.reason, reason);
    assert.match(error.message, text);
    return true;
  });
}

const COLOUR: Rgb = [200, 100, 50];

Deno.test("preprocessImage() applies each preset's normalization exactly to every pixel", async (t) => {
  const png = await solid(300, 200, COLOUR).png().toBuffer();
  for (const [name, spec] of [["IMAGENET_NORM", IMAGENET_NORM], ["UNIT_RANGE", UNIT_RANGE]] as const) {
    await t.step(name, async () => {
      const out = await preprocessImage(png, spec);
      assert.equal(out.length, 224 * 224 * 3);
      const expected = COLOUR.map((p, c) => (p / 255 - spec.mean[c]) / spec.std[c]);
      for (let i = 0; i < out.length; i++) {
        assert.ok(Math.abs(out[i] - expected[i % 3]) < 1e-6, `value ${i}: ${out[i]} != ${expected[i % 3]}`);
      }
    });
  }
  await t.step("UNIT_RANGE maps 255 to 1 and 0 to 0", async () => {
    const out = await preprocessImage(await solid(10, 10, [255, 0, 255]).png().toBuffer(), UNIT_RANGE);
    assert.deepEqual([...out.subarray(0, 3)], [1, 0, 1]);
  });
});

Deno.test("preprocessImage() puts channels last for nhwc and in planes for nchw", async () => {
  const png = await (await halves(64, 32, [255, 0, 0], [0, 0, 255])).png().toBuffer();
  const spec: ImageSpec = { size: 16, layout: "nhwc", mean: [0, 0, 0], std: [1, 1, 1], scale: 1 };
  const nhwc = await preprocessImage(png, spec);
  const nchw = await preprocessImage(png, { ...spec, layout: "nchw" });
  const S = 16, plane = S * S;
  for (const y of [0, 7, 15]) {
    const left = y * S, right = y * S + S - 1;
    assert.deepEqual([...nhwc.subarray(left * 3, left * 3 + 3)], [255, 0, 0]);
    assert.deepEqual([...nhwc.subarray(right * 3, right * 3 + 3)], [0, 0, 255]);
    assert.deepEqual([nchw[left], nchw[plane + left], nchw[2 * plane + left]], [255, 0, 0]);
    assert.deepEqual([nchw[right], nchw[plane + right], nchw[2 * plane + right]], [0, 0, 255]);
  }
});

Deno.test("normalizeRgb() rejects data whose length does not match the size", () => {
  assert.throws(
    () => normalizeRgb({ data: new Uint8Array(10), width: 2, height: 2, channels: 3 }, UNIT_RANGE),
    RangeError,
  );
});

Deno.test("decodeRgb() resizes the short side and crops the centre", async () => {
  // 300x100: red | green | blue thirds; the centre square is all green.
  const third = (c: Rgb) => solid(100, 100, c).png().toBuffer();
  const png = await solid(300, 100, [255, 0, 0]).composite([
    { input: await third([0, 255, 0]), left: 100, top: 0 },
    { input: await third([0, 0, 255]), left: 200, top: 0 },
  ]).png().toBuffer();
  const image = await decodeRgb(png, 32);
  assert.equal(image.width, 32);
  assert.equal(image.height, 32);
  assertNear(pixel(image.data, 32, 1, 16), [0, 255, 0], 2, "left edge of the crop");
  assertNear(pixel(image.data, 32, 30, 16), [0, 255, 0], 2, "right edge of the crop");
});

Deno.test("decodeRgb() honours the EXIF orientation of a JPEG", async () => {
  // Stored 200x100, red left / blue right; orientation 6 means "rotate 90 degrees clockwise to display",
  // so the upright image is 100x200 with red on top.
  const jpeg = await (await halves(200, 100, [255, 0, 0], [0, 0, 255])).jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 }).toBuffer();
  assert.equal((await sharp(jpeg).metadata()).orientation, 6);
  const image = await decodeRgb(jpeg, 40);
  assertNear(pixel(image.data, 40, 20, 2), [255, 0, 0], 30, "top centre");
  assertNear(pixel(image.data, 40, 20, 37), [0, 0, 255], 30, "bottom centre");
  assertNear(pixel(image.data, 40, 2, 2), pixel(image.data, 40, 37, 2), 30, "top row is one colour");

  const thumb = await sharp(await imageThumbnail(jpeg, { size: 64 })).metadata();
  assert.equal(thumb.width, 32);
  assert.equal(thumb.height, 64);
});

Deno.test("decodeRgb() expands grayscale to three equal channels", async () => {
  const gray = await solid(40, 40, [90, 90, 90]).toColourspace("b-w").png().toBuffer();
  assert.equal((await sharp(gray).metadata()).channels, 1);
  const image = await decodeRgb(gray, 8);
  assert.equal(image.data.length, 8 * 8 * 3);
  assert.deepEqual(pixel(image.data, 8, 4, 4), [90, 90, 90]);
});

Deno.test("decodeRgb() flattens alpha onto the configured background", async (t) => {
  const make = (alpha: number) =>
    sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha } } })
      .png().toBuffer();
  await t.step("fully transparent takes the background", async () => {
    assert.deepEqual(pixel((await decodeRgb(await make(0), 4)).data, 4, 1, 1), [255, 255, 255]);
    const black = await decodeRgb(await make(0), 4, { background: "#000000" });
    assert.deepEqual(pixel(black.data, 4, 1, 1), [0, 0, 0]);
  });
  await t.step("half transparent blends", async () => {
    const image = await decodeRgb(await make(0.5), 4, { background: "#0000ff" });
    assertNear(pixel(image.data, 4, 1, 1), [128, 0, 127], 2, "red over blue at 50%");
  });
});

Deno.test("decodeRgb() converts CMYK to sRGB", async () => {
  const cmyk = await solid(40, 40, COLOUR).toColourspace("cmyk").jpeg({ quality: 100 }).toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, "cmyk");
  const image = await decodeRgb(cmyk, 8);
  assert.equal(image.data.length, 8 * 8 * 3);
  assertNear(pixel(image.data, 8, 4, 4), COLOUR, 32, "CMYK round trip");
});

Deno.test("decodeRgb() reads every supported format, GIF's first frame, and files by path", async (t) => {
  const base = solid(64, 48, COLOUR);
  const encoded: Record<string, Uint8Array> = {
    png: await base.clone().png().toBuffer(),
    jpeg: await base.clone().jpeg({ quality: 95 }).toBuffer(),
    webp: await base.clone().webp({ lossless: true }).toBuffer(),
    gif: await base.clone().gif().toBuffer(),
    avif: await base.clone().avif({ lossless: true }).toBuffer(),
    tiff: await base.clone().tiff().toBuffer(),
  };
  for (const [format, bytes] of Object.entries(encoded)) {
    await t.step(format, async () => {
      assert.equal(sniffImageFormat(bytes), format);
      const image = await decodeRgb(bytes, 16);
      assertNear(pixel(image.data, 16, 8, 8), COLOUR, 12, format);
    });
  }
  await t.step("animated GIF gives its first frame", async () => {
    const frames = [[255, 0, 0], [0, 0, 255]] as Rgb[];
    const raw = new Uint8Array(32 * 64 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = frames[i < raw.length / 2 ? 0 : 1][i % 3];
    const gif = await sharp(raw, { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } })
      .gif().toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const image = await decodeRgb(gif, 8);
    assertNear(pixel(image.data, 8, 4, 4), [255, 0, 0], 8, "first frame");
  });
  await t.step("path", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/a.png`;
      await Deno.writeFile(path, encoded.png);
      assert.deepEqual(pixel((await decodeRgb(path, 4)).data, 4, 2, 2), COLOUR);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("decodeRgb() rejects bad input with an InputDataError naming the reason", async (t) => {
  const jpeg = await sharp({
    create: {
      width: 400,
      height: 300,
      channels: 3,
      background: "#000",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .jpeg().toBuffer();
  const png = await sharp({
    create: {
      width: 400,
      height: 300,
      channels: 3,
      background: "#000",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .png().toBuffer();
  const dir = await Deno.makeTempDir();
  try {
    await t.step("zero-byte file", async () => {
      const path = `${dir}/empty.jpg`;
      await Deno.writeFile(path, new Uint8Array(0));
      await assertInputError(decodeRgb(path, 8), "empty", /^Cannot decode image ".*empty\.jpg": empty file/);
    });
    await t.step("missing file", async () => {
      await assertInputError(decodeRgb(`${dir}/nope.jpg`, 8), "missing", /file not found/);
    });
    await t.step("truncated JPEG", async () => {
      await assertInputError(
        decodeRgb(jpeg.subarray(0, jpeg.length / 2), 8),
        "truncated",
        /truncated data in jpeg/,
      );
    });
    await t.step("truncated PNG", async () => {
      await assertInputError(
        decodeRgb(png.subarray(0, png.length / 2), 8),
        "truncated",
        /truncated data in png/,
      );
    });
    await t.step("corrupt JPEG", async () => {
      const bad = new Uint8Array(jpeg);
      bad.fill(0xff, bad.length / 3, bad.length / 3 + 200); // a run of bogus markers in the scan data
      await assertInputError(
        decodeRgb(bad, 8, { name: "media/ab12.jpg" }),
        "corrupt",
        /"media\/ab12\.jpg": corrupt/,
      );
      const header = new Uint8Array(jpeg);
      header.fill(0x17, 4, 400); // tables and frame header overwritten, end marker intact
      await assertInputError(decodeRgb(header, 8), "corrupt", /corrupt data in jpeg/);
    });
    await t.step("garbage bytes", async () => {
      const garbage = new Uint8Array(1000).map((_, i) => (i * 91 + 7) & 0xff);
      await assertInputError(decodeRgb(garbage, 8), "unsupported_format", /unsupported format "unknown"/);
    });
    await t.step("unsupported formats are named", async () => {
      const heic = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode("ftypheic"), 0, 0, 0, 0]);
      await assertInputError(
        decodeRgb(heic, 8, { name: "media/ab12.heic" }),
        "unsupported_format",
        /"media\/ab12\.heic": unsupported format "heic"/,
      );
      const svg = new TextEncoder().encode(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
      );
      await assertInputError(decodeRgb(svg, 8), "unsupported_format", /unsupported format "svg"/);
      const bmp = new Uint8Array(200);
      bmp.set([0x42, 0x4d]);
      await assertInputError(decodeRgb(bmp, 8), "unsupported_format", /unsupported format "bmp"/);
    });
    await t.step("too many pixels", async () => {
      await assertInputError(decodeRgb(png, 8, { maxPixels: 100_000 }), "too_large", /too many pixels/);
      // The same image under the default limit is fine.
      assert.equal((await decodeRgb(png, 8)).width, 8);
    });
    await t.step("postId rides along", async () => {
      const error = await decodeRgb(new Uint8Array(0), 8, { postId: "p1" }).catch((e) => e);
      assert.ok(error instanceof InputDataError);
      assert.equal(error.postId, "p1");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("preprocessImages() keeps input order, sets bad images aside and pulls inputs lazily", async () => {
  const colours: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [200, 200, 0], [0, 90, 90]];
  const good = await Promise.all(colours.map((c) => solid(50, 30, c).png().toBuffer()));
  let pulled = 0;
  let consumed = 0;
  let maxAhead = 0;
  async function* inputs(): AsyncGenerator<KeyedImage> {
    for (let i = 0; i < good.length; i++) {
      pulled++;
      maxAhead = Math.max(maxAhead, pulled - consumed);
      yield { id: `ok${i}`, source: good[i] };
      if (i === 2) {
        pulled++;
        yield { id: "bad", source: new Uint8Array([1, 2, 3]) };
      }
    }
  }
  const spec: ImageSpec = { ...UNIT_RANGE, size: 4, scale: 1 };
  const ids: string[] = [];
  for await (const result of preprocessImages(inputs(), spec, { concurrency: 2 })) {
    consumed++;
    ids.push(result.id);
    if (result.ok) {
      const i = Number(result.id.slice(2));
      assert.deepEqual([...result.data.subarray(0, 3)], colours[i]);
    } else {
      assert.equal(result.error.postId, "bad");
      assert.equal(result.error.reason, "unsupported_format");
    }
  }
  assert.deepEqual(ids, ["ok0", "ok1", "ok2", "bad", "ok3", "ok4", "ok5"]);
  assert.ok(maxAhead <= 3, `pulled ${maxAhead} inputs ahead of the consumer with concurrency 2`);
});

Deno.test("imageThumbnail() fits the longest side and does not enlarge", async (t) => {
  const big = await solid(400, 100, COLOUR).png().toBuffer();
  await t.step("jpeg", async () => {
    const thumb = await imageThumbnail(big, { size: 100 });
    const meta = await sharp(thumb).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["jpeg", 100, 25]);
  });
  await t.step("png, small input", async () => {
    const thumb = await imageThumbnail(await solid(30, 20, COLOUR).png().toBuffer(), {
      size: 100,
      format: "png",
    });
    const meta = await sharp(thumb).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 30, 20]);
  });
  await t.step("bad input", async () => {
    await assertInputError(imageThumbnail(new Uint8Array(0)), "empty", /empty/);
  });
});
