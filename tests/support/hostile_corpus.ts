/**
 * A hostile corpus, built by the tests themselves: a JSONL import whose rows carry every bad input a real
 * export has or an attacker would write, next to good rows. Media: zero-byte, truncated, random bytes, a
 * decompression bomb, wrong extensions, audio only, one frame, a playlist posing as a video; paths that
 * climb out of the folder, absolute paths, symlinks out, a FIFO. Rows: bad and out-of-range dates,
 * duplicate ids, ids above 2^53, poison characters, fractional counts, real data sets' tag names and
 * invalid ones, 1 MB of text, rows of the wrong shape, non-JSON and non-UTF-8 lines.
 *
 * What must hold after any run over it: read = stored + duplicates + quarantined (+ outside window);
 * no byte of a file outside the import folder is in the blob store.
 */
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import sharp from "sharp";

export interface HostileCorpus {
  /** The import folder and its JSONL file. */
  dir: string;
  jsonl: string;
  /** A folder outside the import holding secrets the import names. */
  outside: string;
  /** Bytes that must never reach the blob store. */
  secrets: Uint8Array[];
  /** Lines of the file (non-empty), i.e. what ingest reads. */
  lines: number;
  /** Rows that must be stored (distinct valid posts). */
  valid: number;
  /** Repeated ids of valid posts. */
  duplicates: number;
  /** All posts are created in [from, to). */
  from: Date;
  to: Date;
  remove(): Promise<void>;
}

export interface HostileOptions {
  /** Good posts beside the bad ones (each with an image, every fifth with a video). @default 40 */
  good?: number;
  /** The end of the period the posts fall in. @default 2026-05-02T00:00:00Z */
  periodEnd?: Date;
  /** Give each good post an image of its own (more work to encode, for kill tests). @default false */
  distinctImages?: boolean;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG claiming 60000 x 60000 pixels with a few rows of data: a decompression bomb's header. */
export function pngBomb(): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(body, 4);
    view.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, 60000);
  v.setUint32(4, 60000);
  ihdr.set([1, 0, 0, 0, 0], 8); // 1 bit, greyscale
  const idat = new Uint8Array(deflateSync(new Uint8Array(7501 * 64)));
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

async function ffmpeg(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ffmpeg", { args: ["-v", "error", "-y", ...args] }).output();
  if (!out.success) throw new Error(`ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

export async function buildHostileCorpus(options: HostileOptions = {}): Promise<HostileCorpus> {
  const good = options.good ?? 40;
  const end = options.periodEnd ?? new Date("2026-05-02T00:00:00Z");
  const dir = await Deno.makeTempDir({ prefix: "hostile-corpus-" });
  const outside = await Deno.makeTempDir({ prefix: "hostile-outside-" });
  const m = (name: string) => join(dir, "media", name);
  await Deno.mkdir(join(dir, "media"));

  const secret = new TextEncoder().encode(`outside secret ${crypto.randomUUID()}`);
  await Deno.writeFile(join(outside, "secret.jpg"), secret);
  await ffmpeg("-f", "lavfi", "-i", "testsrc2=size=32x24:rate=5:duration=1", join(outside, "segment.ts"));
  const segment = await Deno.readFile(join(outside, "segment.ts"));

  // Good media.
  const images = options.distinctImages ? good : 4;
  for (let i = 0; i < Math.max(4, images); i++) {
    await sharp({
      create: { width: 24, height: 20, channels: 3, background: { r: 60 * i, g: 90, b: 200 - 40 * i } },
    })
      .png().toFile(m(`ok-${i}.png`));
  }
  await ffmpeg(
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=64x48:rate=10:duration=1",
    "-pix_fmt",
    "yuv420p",
    m("ok.mp4"),
  );
  await ffmpeg(
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=64x48:rate=1:duration=1",
    "-frames:v",
    "1",
    m("one-frame.mp4"),
  );
  await ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", m("audio-only.mp4"));
  // Bad media.
  await Deno.writeFile(m("zero.jpg"), new Uint8Array());
  await Deno.writeFile(m("zero.mp4"), new Uint8Array());
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#c33" } }).jpeg()
    .toBuffer();
  await Deno.writeFile(m("truncated.jpg"), new Uint8Array(jpeg).subarray(0, Math.floor(jpeg.length / 3)));
  const mp4 = await Deno.readFile(m("ok.mp4"));
  await Deno.writeFile(m("truncated.mp4"), mp4.subarray(0, Math.floor(mp4.length / 3)));
  await Deno.writeFile(m("random.jpg"), crypto.getRandomValues(new Uint8Array(4096)));
  await Deno.writeFile(m("random.mp4"), crypto.getRandomValues(new Uint8Array(8192)));
  await Deno.writeFile(m("bomb.png"), pngBomb());
  await Deno.copyFile(m("ok-0.png"), m("png-named.jpg")); // wrong extension, right bytes
  await Deno.copyFile(m("ok.mp4"), m("video-named.jpg")); // a video posing as an image
  await Deno.writeTextFile(
    m("playlist.mp4"),
    `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${join(outside, "segment.ts")}\n#EXT-X-ENDLIST\n`,
  );
  await Deno.symlink(join(outside, "secret.jpg"), m("link-out.jpg"));
  const fifo = await new Deno.Command("mkfifo", { args: [m("pipe.mp4")] }).output();
  if (!fifo.success) throw new Error("mkfifo failed");

  const at = (i: number) => new Date(end.getTime() - 60_000 * (i + 1)).toISOString();
  const rows: string[] = [];
  let valid = 0, duplicates = 0, n = 0;
  const row = (o: Record<string, unknown>, counts = true) => {
    rows.push(JSON.stringify({ platform: "hostile", created_at: at(n++), ...o }));
    if (counts) valid++;
  };
  const tags = ["film_tv_&_video", "arts_&_culture", "日本語", "news/politics"];
  for (let i = 0; i < good; i++) {
    const media: unknown[] = [{ kind: "image", path: `media/ok-${i % Math.max(4, images)}.png` }];
    if (i % 5 === 0) media.push({ kind: "video", path: "media/ok.mp4" });
    row({
      id: `good-${i}`,
      text: `a fine post number ${i} about ${tags[i % 4]}`,
      media,
      user: { id: `u${i % 7}`, followers: i * 3 },
      labels: [tags[i % 4]],
    });
  }
  const withMedia = (id: string, kind: string, path: string) =>
    row({ id, text: id, media: [{ kind, path }] });
  withMedia("zero-image", "image", "media/zero.jpg");
  withMedia("zero-video", "video", "media/zero.mp4");
  withMedia("truncated-image", "image", "media/truncated.jpg");
  withMedia("truncated-video", "video", "media/truncated.mp4");
  withMedia("random-image", "image", "media/random.jpg");
  withMedia("random-video", "video", "media/random.mp4");
  withMedia("bomb", "image", "media/bomb.png");
  withMedia("png-named-jpg", "image", "media/png-named.jpg");
  withMedia("video-named-jpg", "image", "media/video-named.jpg");
  withMedia("audio-only", "video", "media/audio-only.mp4");
  withMedia("one-frame", "video", "media/one-frame.mp4");
  withMedia("playlist", "video", "media/playlist.mp4");
  withMedia("escape-dots", "image", `${"../".repeat(24)}${outside.slice(1)}/secret.jpg`);
  withMedia("escape-absolute", "image", join(outside, "secret.jpg"));
  withMedia("escape-passwd", "image", "/etc/passwd");
  withMedia("escape-symlink", "image", "media/link-out.jpg");
  withMedia("fifo", "video", "media/pipe.mp4");
  withMedia("missing", "image", "media/not-there.jpg");
  row({ id: "megabyte", text: "long ".repeat(210_000) });
  row({ id: "nul", text: "nul\u0000inside" });
  row({ id: "surrogate", text: "half \ud83d of an emoji" });
  row({ id: "html-label", text: "x", labels: ["<img src=x onerror=alert(1)>"] });
  row({ id: "no-text-no-media" });
  rows.push(`{"id":109876543210987654,"platform":"hostile","created_at":"${at(n++)}","text":"big one"}`);
  rows.push(`{"id":109876543210987655,"platform":"hostile","created_at":"${at(n++)}","text":"big two"}`);
  valid += 2;
  // Set aside: each of these is a quarantined row.
  row({ id: "followers", text: "x", user: { followers: 1.5 } }, false);
  row({ id: "year0", text: "x", created_at: "0000-01-01T00:00:00Z" }, false);
  row({ id: "bad-date", text: "x", created_at: "yesterday-ish" }, false);
  row({ id: "bad-label", text: "x", labels: ["ok", "bell\u0007"] }, false);
  row({ text: "no id" }, false);
  row({ id: "bad-media-kind", media: [{ kind: "audio", path: "media/ok.mp4" }] }, false);
  rows.push("[1, 2, 3]", "42", '"a string"', "null", "{not json", '{"id": "cut off", "text": "no end');
  // Duplicates of stored posts.
  for (let i = 0; i < 3; i++) {
    rows.push(JSON.stringify({ id: `good-${i}`, platform: "hostile", created_at: at(i), text: "again" }));
    duplicates++;
  }
  const jsonl = join(dir, "posts.jsonl");
  const text = new TextEncoder().encode(rows.join("\n") + "\n");
  // A non-UTF-8 line: Latin-1 bytes inside and outside a string.
  const latin1 = new Uint8Array([
    ...new TextEncoder().encode(`{"id":"latin1","platform":"hostile","created_at":"${at(n++)}","text":"caf`),
    0xe9,
    ...new TextEncoder().encode('"}\n'),
    0xff,
    0xfe,
    0x00,
    0x41,
    0x0a,
  ]);
  valid++;
  await Deno.writeFile(jsonl, new Uint8Array([...text, ...latin1]));
  const lines = rows.length + 2;
  return {
    dir,
    jsonl,
    outside,
    secrets: [secret, segment, new TextEncoder().encode("root:x:0:0")],
    lines,
    valid,
    duplicates,
    from: new Date(end.getTime() - 60_000 * (n + 1)),
    to: end,
    remove: async () => {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(outside, { recursive: true }).catch(() => {});
    },
  };
}

/** Every file under `root` holding any of `needles`. */
export async function filesContaining(root: string, needles: Uint8Array[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else if (e.isFile) {
        const bytes = await Deno.readFile(path);
        if (needles.some((n) => indexOf(bytes, n) >= 0)) found.push(path);
      }
    }
  };
  await walk(root).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  return found;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  outer: for (
    let i = hay.indexOf(needle[0]);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(needle[0], i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
