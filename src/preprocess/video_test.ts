import { type RgbImage, textSeededRng } from "@/core/mod.ts";
import assert from "node:assert/strict";
import { InputDataError } from "./errors.ts";
import { IMAGENET_NORM, normalizeRgb, resizeRgb, UNIT_RANGE } from "./image.ts";
import {
  decodeAllFrames,
  preprocessVideo,
  probeVideo,
  sampleFrameIndices,
  sampleVideoFrames,
  scaledSize,
  sceneChangeRate,
  VIDEO_FACT_NAMES,
  videoFactsVector,
} from "./video.ts";

async function ffmpeg(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ffmpeg", { args: ["-v", "error", "-y", ...args], stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`ffmpeg ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];

/** Builds every clip the tests need once, in a temp dir removed by the last test. */
async function makeClips(dir: string) {
  const p = (name: string) => `${dir}/${name}`;
  await Promise.all([
    // 4 s, 25 fps = 100 frames, moving pattern, keyframe every 2 s.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=4", ...X264, "-g", "50", p("plain.mp4")),
    ffmpeg(
      "-f",
      "lavfi",
      "-i",
      "testsrc2=s=320x240:r=30:d=3",
      "-f",
      "lavfi",
      "-i",
      "sine=d=3",
      ...X264,
      "-c:a",
      "aac",
      "-shortest",
      p("audio.mp4"),
    ),
    // 60 frames at 30 fps (2 s), then 60 frames at 10 fps (6 s): 120 frames over 8 s.
    ffmpeg(
      "-f",
      "lavfi",
      "-i",
      "testsrc2=s=320x180:r=30:d=4",
      "-vf",
      "setpts='if(lt(N,60),N/30,2+(N-60)/10)/TB'",
      "-fps_mode",
      "vfr",
      ...X264,
      p("vfr.mp4"),
    ),
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=20:d=0.3", ...X264, p("short.mp4")),
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", p("audio_only.m4a")),
    // Still picture: every frame the same.
    ffmpeg("-f", "lavfi", "-i", "color=c=0x336699:s=320x180:r=25:d=4", ...X264, p("still.mp4")),
    // A hard cut: 2 s red then 2 s blue.
    ffmpeg(
      "-f",
      "lavfi",
      "-i",
      "color=c=red:s=320x180:r=25:d=2",
      "-f",
      "lavfi",
      "-i",
      "color=c=blue:s=320x180:r=25:d=2",
      "-filter_complex",
      "[0:v][1:v]concat=n=2:v=1[v]",
      "-map",
      "[v]",
      ...X264,
      p("cut.mp4"),
    ),
    // Left half red, right half blue, stored landscape; display rotated 90 degrees.
    ffmpeg(
      "-f",
      "lavfi",
      "-i",
      "color=c=red:s=320x180:r=25:d=3",
      "-vf",
      "drawbox=x=160:y=0:w=160:h=180:color=blue:t=fill",
      ...X264,
      p("landscape.mp4"),
    ),
  ]);
  // Only a stream copy turns the rotate tag into a display matrix (ffmpeg 5.1).
  await ffmpeg("-i", p("landscape.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", p("rotated.mp4"));
  const plain = await Deno.readFile(p("plain.mp4"));
  await Deno.writeFile(p("truncated.mp4"), plain.subarray(0, Math.floor(plain.length / 2)));
  await Deno.writeFile(p("garbage.mp4"), new Uint8Array(50_000).map((_, i) => (i * 131 + 17) & 0xff));
  await Deno.writeFile(p("empty.mp4"), new Uint8Array(0));
  return p;
}

const dir = await Deno.makeTempDir();
const clipsReady = makeClips(dir);

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [...image.data.subarray(i, i + 3)];
}

function near(a: number[], b: number[], tolerance: number): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

async function assertInputError(promise: Promise<unknown>, reason: string, text: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputDataError, `expected InputDataError, got ${error}`);
    assert.equal(error.modality, "video");
    assert.equal(error.reason, reason);
    assert.match(error.message, text);
    return true;
  });
}

Deno.test("sampleFrameIndices() draws one index per stratum, reproducibly from the seed", async (t) => {
  await t.step("within strata and ascending", () => {
    for (const [frameCount, count] of [[100, 8], [9, 8], [1000, 3], [8, 8]]) {
      const indices = sampleFrameIndices(frameCount, count, { seed: "post-1" });
      assert.equal(indices.length, count);
      indices.forEach((index, i) => {
        assert.ok(index >= Math.floor((i * frameCount) / count), `index ${index} below stratum ${i}`);
        assert.ok(index < Math.floor(((i + 1) * frameCount) / count), `index ${index} above stratum ${i}`);
      });
      assert.equal(new Set(indices).size, count);
    }
  });
  await t.step("same seed, same draw; another seed, another draw", () => {
    const a = sampleFrameIndices(1000, 8, { seed: 42 });
    assert.deepEqual(sampleFrameIndices(1000, 8, { seed: 42 }), a);
    assert.notDeepEqual(sampleFrameIndices(1000, 8, { seed: 43 }), a);
    assert.notDeepEqual(
      sampleFrameIndices(1000, 8, { seed: "a" }),
      sampleFrameIndices(1000, 8, { seed: "b" }),
    );
  });
  await t.step("fewer frames than samples repeats frames", () => {
    const indices = sampleFrameIndices(3, 8);
    assert.equal(indices.length, 8);
    assert.deepEqual([...new Set(indices)].sort(), [0, 1, 2]);
    assert.ok(indices.every((index, i) => i === 0 || index >= indices[i - 1]));
  });
  await t.step("the PRNG is uniform enough", () => {
    const random = textSeededRng(7);
    const draws = Array.from({ length: 10_000 }, random);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
    assert.ok(draws.every((x) => x >= 0 && x < 1));
  });
  await t.step("bad counts are refused", () => {
    assert.throws(() => sampleFrameIndices(0, 8), RangeError);
    assert.throws(() => sampleFrameIndices(10, 0), RangeError);
  });
});

Deno.test("scaledSize() sets the short side and keeps the aspect", () => {
  assert.deepEqual(scaledSize(1280, 720, 224), [398, 224]);
  assert.deepEqual(scaledSize(720, 1280, 224), [224, 398]);
  assert.deepEqual(scaledSize(100, 100, 224), [224, 224]);
});

Deno.test("probeVideo() reports duration, rate, size, rotation and audio", async (t) => {
  const p = await clipsReady;
  await t.step("plain", async () => {
    const probe = await probeVideo(p("plain.mp4"));
    assert.ok(Math.abs(probe.durationS - 4) < 0.1, `duration ${probe.durationS}`);
    assert.equal(probe.fps, 25);
    assert.equal(probe.frameCount, 100);
    assert.deepEqual([probe.width, probe.height, probe.rotation, probe.hasAudio], [320, 180, 0, false]);
    assert.equal(probe.variableFrameRate, false);
  });
  await t.step("with audio", async () => {
    const probe = await probeVideo(p("audio.mp4"));
    assert.deepEqual([probe.width, probe.height, probe.fps, probe.hasAudio], [320, 240, 30, true]);
  });
  await t.step("variable frame rate", async () => {
    const probe = await probeVideo(p("vfr.mp4"));
    assert.equal(probe.variableFrameRate, true);
    assert.equal(probe.frameCount, 120);
    assert.ok(Math.abs(probe.durationS - 8) < 0.2, `duration ${probe.durationS}`);
    assert.ok(Math.abs(probe.fps - 120 / probe.durationS) < 0.5, `fps ${probe.fps}`);
  });
  await t.step("rotated: display size is swapped", async () => {
    const probe = await probeVideo(p("rotated.mp4"));
    assert.equal(Math.abs(probe.rotation), 90);
    assert.deepEqual([probe.width, probe.height], [180, 320]);
  });
});

Deno.test("probeVideo() rejects unusable files with an InputDataError", async (t) => {
  const p = await clipsReady;
  await t.step(
    "audio only",
    () =>
      assertInputError(
        probeVideo(p("audio_only.m4a"), { postId: "p9" }),
        "no_video_stream",
        /no video stream \(streams: audio\)/,
      ),
  );
  await t.step(
    "truncated",
    () => assertInputError(probeVideo(p("truncated.mp4")), "truncated", /truncated file/),
  );
  await t.step(
    "garbage",
    () =>
      assertInputError(
        probeVideo(p("garbage.mp4")),
        "corrupt",
        /^Cannot read video ".*garbage\.mp4": corrupt/,
      ),
  );
  await t.step("a playlist posing as a video", async () => {
    await Deno.writeTextFile(
      p("playlist.mp4"),
      "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nplain.mp4\n#EXT-X-ENDLIST\n",
    );
    await assertInputError(probeVideo(p("playlist.mp4")), "unsupported_format", /unsupported format/);
  });
  await t.step("empty", () => assertInputError(probeVideo(p("empty.mp4")), "empty", /empty file/));
  await t.step("missing", () => assertInputError(probeVideo(p("nope.mp4")), "missing", /file not found/));
  await t.step("post id rides along", async () => {
    const error = await probeVideo(p("audio_only.m4a"), { postId: "p9" }).catch((e) => e);
    assert.equal(error.postId, "p9");
  });
});

Deno.test("sampleVideoFrames() seeks to the drawn frames, reproducibly", async (t) => {
  const p = await clipsReady;
  const a = await sampleVideoFrames(p("plain.mp4"), { size: 64, seed: 1 });
  await t.step("eight frames, one per stratum, by seeking", () => {
    assert.equal(a.method, "seek");
    assert.equal(a.images.length, 8);
    assert.equal(a.distinctFrames, 8);
    assert.equal(a.duplicated, false);
    a.frameIndices.forEach((index, i) => {
      assert.ok(index >= Math.floor((i * 100) / 8) && index < Math.floor(((i + 1) * 100) / 8));
      assert.ok(Math.abs(a.positionsS[i] - index / 25) < 1e-9);
    });
    for (const image of a.images) {
      assert.deepEqual([image.width, image.height, image.data.length], [64, 64, 64 * 64 * 3]);
    }
  });
  await t.step("each seek returns exactly the frame a full decode has at that index", async () => {
    const all = await decodeAllFrames(p("plain.mp4"), { size: 64, keep: a.frameIndices });
    assert.equal(all.frameCount, 100);
    for (let i = 0; i < a.frameIndices.length; i++) {
      const expected = await resizeRgb(all.frames.get(a.frameIndices[i])!, 64);
      assert.deepEqual(a.images[i].data, expected.data, `frame ${a.frameIndices[i]}`);
    }
  });
  await t.step("same seed, same frames; another seed, other frames", async () => {
    const again = await sampleVideoFrames(p("plain.mp4"), { size: 64, seed: 1 });
    assert.deepEqual(again.frameIndices, a.frameIndices);
    assert.deepEqual(again.images.map((i) => i.data), a.images.map((i) => i.data));
    const other = await sampleVideoFrames(p("plain.mp4"), { size: 64, seed: 2 });
    assert.notDeepEqual(other.frameIndices, a.frameIndices);
  });
  await t.step("frames differ where the video moves", () => {
    for (let i = 1; i < a.images.length; i++) assert.notDeepEqual(a.images[i].data, a.images[i - 1].data);
  });
});

Deno.test("sampleVideoFrames() handles short, variable-rate and rotated clips", async (t) => {
  const p = await clipsReady;
  await t.step("a 0.3 s clip gives eight frames with duplicates, and says so", async () => {
    const s = await sampleVideoFrames(p("short.mp4"), { size: 32 });
    assert.equal(s.method, "decode_all");
    assert.equal(s.images.length, 8);
    assert.ok(s.probe.frameCount < 8, `frameCount ${s.probe.frameCount}`);
    assert.equal(s.distinctFrames, s.probe.frameCount);
    assert.equal(s.duplicated, true);
    assert.ok(s.frameIndices.every((i) => i < s.probe.frameCount));
  });
  await t.step("variable frame rate: frames spread over the whole clip", async () => {
    const s = await sampleVideoFrames(p("vfr.mp4"), { size: 32, seed: 5 });
    assert.equal(s.method, "seek");
    assert.equal(s.images.length, 8);
    assert.equal(s.distinctFrames, 8);
    assert.ok(s.frameIndices.at(-1)! >= 105, `last index ${s.frameIndices.at(-1)}`);
    for (let i = 1; i < 8; i++) assert.notDeepEqual(s.images[i].data, s.images[i - 1].data);
  });
  await t.step("rotated clip comes out upright", async () => {
    const s = await sampleVideoFrames(p("rotated.mp4"), { size: 32, frames: 2 });
    for (const image of s.images) {
      const top = pixel(image, 16, 2), bottom = pixel(image, 16, 29);
      const red = [255, 0, 0], blue = [0, 0, 255];
      assert.ok(
        (near(top, red, 40) && near(bottom, blue, 40)) || (near(top, blue, 40) && near(bottom, red, 40)),
        `top ${top}, bottom ${bottom}: expected red and blue stacked vertically`,
      );
      assert.ok(near(pixel(image, 2, 2), pixel(image, 29, 2), 40), "a row is one colour");
    }
  });
  await t.step(
    "audio-only file is refused",
    () => assertInputError(sampleVideoFrames(p("audio_only.m4a")), "no_video_stream", /no video stream/),
  );
});

Deno.test("sceneChangeRate() is zero for a still clip and high across a cut", async () => {
  const p = await clipsReady;
  const still = await sampleVideoFrames(p("still.mp4"), { size: 32 });
  assert.ok(sceneChangeRate(still.images) < 0.01, `still ${sceneChangeRate(still.images)}`);
  const cut = await sampleVideoFrames(p("cut.mp4"), { size: 32, frames: 2 });
  // Frame 1 is red, frame 2 is blue: |255-0| + 0 + |0-255| over 3 channels = 2/3.
  assert.ok(Math.abs(sceneChangeRate(cut.images) - 2 / 3) < 0.05, `cut ${sceneChangeRate(cut.images)}`);
  const moving = await sampleVideoFrames(p("plain.mp4"), { size: 32 });
  assert.ok(sceneChangeRate(moving.images) > 0.02);
});

Deno.test("preprocessVideo() normalizes the frames like images and reports the facts", async () => {
  const p = await clipsReady;
  const sample = await preprocessVideo(p("audio.mp4"), { ...IMAGENET_NORM, size: 48, layout: "nchw" }, {
    seed: 3,
  });
  assert.equal(sample.frames, 8);
  assert.equal(sample.data.length, 8 * 48 * 48 * 3);
  const frames = await sampleVideoFrames(p("audio.mp4"), { size: 48, seed: 3 });
  const expected = normalizeRgb(frames.images[5], { ...IMAGENET_NORM, size: 48, layout: "nchw" });
  assert.deepEqual(sample.data.subarray(5 * 48 * 48 * 3, 6 * 48 * 48 * 3), expected);
  const { facts } = sample;
  assert.ok(Math.abs(facts.durationS - 3) < 0.1);
  assert.deepEqual([facts.fps, facts.width, facts.height, facts.hasAudio], [30, 320, 240, true]);
  assert.ok(facts.sceneChangeRate > 0);
  const vector = videoFactsVector(facts);
  assert.equal(vector.length, VIDEO_FACT_NAMES.length);
  assert.ok(Math.abs(vector[0] - Math.log1p(3)) < 0.05);
  assert.deepEqual([...vector.subarray(1, 5)].map((x) => Math.round(x * 1000) / 1000), [1, 0.32, 0.24, 1]);
  // UNIT_RANGE spec: values in [0, 1].
  const unit = await preprocessVideo(p("still.mp4"), { ...UNIT_RANGE, size: 16 }, { frames: 2 });
  assert.ok(unit.data.every((x) => x >= 0 && x <= 1));
});

Deno.test("video test clips are removed", async () => {
  await clipsReady.catch(() => {});
  await Deno.remove(dir, { recursive: true });
});
