import assert from "node:assert/strict";
import sharp from "sharp";
import { generateSample, type SampleSummary } from "./generate.ts";
import type { SamplePostJson } from "./plan.ts";

const POSTS = 40;

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function mediaHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dir}/media`)) names.push(e.name);
  for (const name of names.sort()) out[name] = await sha256(`${dir}/media/${name}`);
  return out;
}

async function readPosts(dir: string): Promise<SamplePostJson[]> {
  const text = await Deno.readTextFile(`${dir}/posts.jsonl`);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l));
}

interface Probe {
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
  }[];
  format: { duration: string; format_name: string };
}

async function ffprobe(path: string): Promise<Probe> {
  const out = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_type,codec_name,width,height,r_frame_rate:format=duration,format_name",
      "-of",
      "json",
      path,
    ],
  }).output();
  assert.ok(out.success, `ffprobe failed on ${path}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("generateSample() writes byte-identical posts and media for the same seed, real files of varied shapes", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "sample-test-" });
  try {
    const a = `${root}/a`, b = `${root}/b`;
    const sa = await generateSample(a, { posts: POSTS, seed: 7 });
    const sb = await generateSample(b, { posts: POSTS, seed: 7 });
    const posts = await readPosts(a);

    await t.step("same seed, same bytes", async () => {
      assert.equal(sa.skipped, false);
      assert.deepEqual(await Deno.readFile(`${a}/posts.jsonl`), await Deno.readFile(`${b}/posts.jsonl`));
      const ha = await mediaHashes(a);
      assert.deepEqual(ha, await mediaHashes(b));
      const referenced = posts.flatMap((p) => p.media ?? []).map((m) => m.path.replace("media/", "")).sort();
      assert.deepEqual(Object.keys(ha), referenced);
      assert.equal(sa.manifest.postsSha256, await sha256(`${a}/posts.jsonl`));
      assert.deepEqual(sa.manifest, sb.manifest);
    });

    await t.step("manifest and tags.json describe the corpus", async () => {
      const c = sa.manifest.counts;
      assert.equal(c.posts, POSTS);
      assert.equal(c.labeled, posts.filter((p) => p.labels).length);
      assert.equal(c.images + c.videos, posts.flatMap((p) => p.media ?? []).length);
      let bytes = 0;
      for (const p of posts) for (const m of p.media ?? []) bytes += (await Deno.stat(`${a}/${m.path}`)).size;
      assert.equal(c.mediaBytes, bytes);
      const tags = JSON.parse(await Deno.readTextFile(`${a}/tags.json`));
      assert.ok(tags.tags.length >= 20 && tags.tags.length <= 24);
      for (const tag of tags.tags) {
        assert.ok(tag.description && tag.signal && tag.carriers.length && tag.trend.shape, tag.name);
      }
    });

    await t.step("images decode to the declared format and size, and vary", async () => {
      const formats = new Set<string>();
      const sizes = new Set<string>();
      for (const p of posts) {
        for (const m of (p.media ?? []).filter((m) => m.kind === "image")) {
          const meta = await sharp(`${a}/${m.path}`).metadata();
          const expected = m.mime.replace("image/", "");
          assert.equal(meta.format === "heif" ? "avif" : meta.format, expected, m.path);
          assert.ok(meta.width! >= 16 && Math.max(meta.width!, meta.height!) <= 1600, m.path);
          formats.add(meta.format!);
          sizes.add(`${meta.width}x${meta.height}`);
        }
      }
      assert.ok(formats.size >= 4, [...formats].join());
      assert.ok(sizes.size >= 10);
    });

    await t.step(
      "videos probe with the declared codec, and vary in size, rate, duration and audio",
      async () => {
        const fps = new Set<string>(), dims = new Set<string>(), durations = new Set<number>();
        let withAudio = 0, without = 0;
        for (const p of posts) {
          for (const m of (p.media ?? []).filter((m) => m.kind === "video")) {
            const probe = await ffprobe(`${a}/${m.path}`);
            const video = probe.streams.find((s) => s.codec_type === "video")!;
            assert.equal(video.codec_name, m.mime === "video/mp4" ? "h264" : "vp9", m.path);
            const duration = Number(probe.format.duration);
            assert.ok(duration >= 0.9 && duration <= 12.2, `${m.path} lasts ${duration}`);
            fps.add(video.r_frame_rate!);
            dims.add(`${video.width}x${video.height}`);
            durations.add(Math.round(duration));
            if (probe.streams.some((s) => s.codec_type === "audio")) withAudio++;
            else without++;
          }
        }
        assert.ok(
          fps.size >= 2 && dims.size >= 2 && durations.size >= 2,
          `${[...fps]} ${[...dims]} ${[...durations]}`,
        );
        assert.ok(withAudio > 0 && without > 0);
      },
    );

    await t.step("a rerun with the same arguments skips, a damaged corpus is rebuilt", async () => {
      const again: SampleSummary = await generateSample(a, { posts: POSTS, seed: 7 });
      assert.equal(again.skipped, true);
      const original = await Deno.readFile(`${a}/posts.jsonl`);
      await Deno.writeTextFile(`${a}/posts.jsonl`, "{}\n");
      const rebuilt = await generateSample(a, { posts: POSTS, seed: 7 });
      assert.equal(rebuilt.skipped, false);
      assert.deepEqual(await Deno.readFile(`${a}/posts.jsonl`), original);
      const leftovers = [];
      for await (const e of Deno.readDir(a)) if (e.name.includes(".tmp-")) leftovers.push(e.name);
      assert.deepEqual(leftovers, []);
    });

    await t.step("another seed gives another corpus and removes the old media", async () => {
      const other = await generateSample(b, { posts: 20, seed: 8 });
      assert.notEqual(other.manifest.postsSha256, sa.manifest.postsSha256);
      const referenced = (await readPosts(b)).flatMap((p) => p.media ?? []).map((m) =>
        m.path.replace("media/", "")
      );
      assert.deepEqual(Object.keys(await mediaHashes(b)), referenced.sort());
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("generateSample() fails on a broken encoder without writing posts.jsonl or a manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sample-test-" });
  try {
    await assert.rejects(
      () => generateSample(dir, { posts: POSTS, seed: 7, ffmpegPath: "false" }),
      /Cannot encode video "media\/s\d{6}-\d\.(mp4|webm)": ffmpeg exited with code "1"/,
    );
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["media"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
