import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  appendImageText,
  checkTesseract,
  IMAGE_TEXT_MARKER,
  OcrCache,
  ocrImage,
  ocrImages,
  resolveOcrConfig,
  tsvToText,
} from "./ocr.ts";

/** A PNG with `text` in dark letters on a light background, rendered by sharp from SVG. */
async function textImage(text: string, width = 520): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="150">` +
    `<rect width="100%" height="100%" fill="#f3eedc"/>` +
    `<text x="24" y="95" font-family="DejaVu Sans, sans-serif" font-size="54" fill="#1e1e1e">${text}</text></svg>`;
  return new Uint8Array(await sharp(new TextEncoder().encode(svg)).png().toBuffer());
}

async function blankImage(): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width: 400, height: 300, channels: 3, background: "#ffffff" } }).png().toBuffer(),
  );
}

Deno.test("ocrImage() reads a word rendered into an image file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ocr_test_" });
  try {
    const path = join(dir, "sign.png");
    await Deno.writeFile(path, await textImage("Harbour 42"));
    const text = await ocrImage(path);
    assert.match(text, /Harbour/);
    assert.match(text, /42/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ocrImage() gives an empty string for an image without text", async () => {
  assert.equal(await ocrImage(await blankImage()), "");
});

Deno.test("ocrImage() says what to install when the tesseract binary is missing", async () => {
  await assert.rejects(
    () => ocrImage(new Uint8Array([1]), { binary: "tesseract-not-installed-here" }),
    /Cannot run OCR: the "tesseract-not-installed-here" binary is not installed; install it with "apt-get install -y tesseract-ocr tesseract-ocr-eng"/,
  );
});

Deno.test("checkTesseract() names the Debian package of a missing language pack", async () => {
  await assert.rejects(
    () => checkTesseract({ langs: ["eng", "zzz"] }),
    /"zzz" not installed.*tesseract-ocr-zzz/,
  );
  assert.ok((await checkTesseract()).langs.includes("eng"));
});

Deno.test("ocrImage() stops tesseract after the timeout", async () => {
  await assert.rejects(
    async () => await ocrImage(await textImage("slow"), { timeoutSeconds: 0.001 }),
    /tesseract took over 0.001 s/,
  );
});

Deno.test("ocrImages() returns the error of an undecodable image and reads the others", async () => {
  const [a, bad, blank] = await ocrImages(
    [await textImage("Lighthouse"), new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x01]), await blankImage()],
    { concurrency: 2 },
  );
  assert.ok("text" in a && /Lighthouse/.test(a.text), JSON.stringify(a));
  assert.ok("error" in bad && /^Cannot read text in image "<5 bytes>"/.test(bad.error.message));
  assert.deepEqual(blank, { text: "" });
});

Deno.test("tsvToText() keeps confident words of two or more letters, one line per text line", () => {
  const header =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
  const row = (line: number, word: number, conf: number, text: string) =>
    `5\t1\t1\t1\t${line}\t${word}\t0\t0\t10\t10\t${conf}\t${text}`;
  const tsv = [
    header,
    "4\t1\t1\t1\t1\t0\t0\t0\t100\t10\t-1\t",
    row(1, 1, 95, "FINAL"),
    row(1, 2, 91, "SCORE"),
    row(1, 3, 30, "blurry"),
    row(2, 1, 88, "a"),
    row(2, 2, 90, "21"),
  ].join("\n");
  assert.equal(tsvToText(tsv, 60), "FINAL SCORE\n21");
  assert.equal(tsvToText(tsv, 20), "FINAL SCORE blurry\n21");
});

Deno.test("appendImageText() marks each image's text on its own line after the post's text", () => {
  assert.equal(
    appendImageText("Great day!", ["FINAL  SCORE\n21", "", "TICKETS"]),
    `Great day!\n${IMAGE_TEXT_MARKER} FINAL SCORE 21\n${IMAGE_TEXT_MARKER} TICKETS`,
  );
  assert.equal(appendImageText("", ["TICKETS"]), `${IMAGE_TEXT_MARKER} TICKETS`);
  assert.equal(appendImageText("Only words", ["", " "]), "Only words");
});

Deno.test("resolveOcrConfig() fills the defaults and refuses a language code that is not one", () => {
  assert.deepEqual(resolveOcrConfig(), { langs: ["eng"], minConfidence: 60, psm: 3, minSide: 1000 });
  assert.throws(() => resolveOcrConfig({ langs: ["eng; rm -rf"] }), /is not a tesseract language code/);
});

Deno.test("OcrCache keeps what was written across openings and compaction", async () => {
  const root = await Deno.makeTempDir({ prefix: "ocr_cache_test_" });
  try {
    const a = await OcrCache.open(root);
    await a.put([{ key: "k1", text: "Harbour" }, { key: "k2", text: "" }]);
    const b = await OcrCache.open(root);
    assert.equal(b.get("k1"), "Harbour");
    assert.equal(b.get("k2"), "");
    assert.equal(b.get("k3"), undefined);
    assert.equal(b.size, 2);
    await b.put([{ key: "k3", text: "Lighthouse" }]);
    assert.equal(b.parts, 2);
    await b.compact();
    const c = await OcrCache.open(root);
    assert.equal(c.parts, 1);
    assert.deepEqual([c.get("k1"), c.get("k2"), c.get("k3")], ["Harbour", "", "Lighthouse"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
