import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import sharp from "sharp";
import { FileBlobStore } from "@/store/mod.ts";
import type { Manifest, TagScore } from "./manifest.ts";
import {
  ablationBars,
  barChartSvg,
  compareRuns,
  htmlTable,
  imageHtml,
  lineChartSvg,
  mediaHtml,
  operatingPoints,
  perTagRows,
  postCardHtml,
} from "./notebook_views.ts";

function score(tag: string, support: number, f05: number): TagScore {
  return { tag, precision: 0.8, recall: 0.5, f05, f1: 0.6, support, threshold: 0.35 };
}

function manifest(runId: string, perTag: TagScore[], weighted = 0.7): Manifest {
  return {
    run_id: runId,
    created_at: "2026-05-01T00:00:00Z",
    source: "sample",
    config: {},
    data: {
      snapshot_hash: "abcdef0123456789",
      window: { from: null, to: null },
      split_method: "stratified",
      counts: { train: 100, dev: 20, test: 20, tags: perTag.length },
    },
    code: { gitSha: "0123456789abcdef", dirty: false } as Manifest["code"],
    seed: 1,
    tags: perTag.map((s) => s.tag),
    encoders: {},
    backend: "cpu",
    metrics: {
      weighted_f05: weighted,
      macro_f05: 0.6,
      micro_f05: 0.65,
      weighted_f1: 0.6,
      macro_f1: 0.5,
      micro_f1: 0.55,
      per_tag: perTag,
      per_language: {},
      ablation: { text: { weighted_f05: 0.4, drop: 0.3 }, image: { weighted_f05: 0.65, drop: 0.05 } },
      single_modality: { text: 0.5 },
    },
    thresholds: perTag.map((s) => s.threshold),
    timings_s: {},
    model: { version: "v1", path: "models/v1", promoted: true, reason: "" },
  };
}

Deno.test("htmlTable() escapes text, right-aligns numbers and shows missing values as a dash", () => {
  const html = htmlTable([{ tag: "<b>&", n: 3, f: 0.12345, x: NaN }], { digits: 2 });
  assert.match(html, /<th>tag<\/th><th>n<\/th><th>f<\/th><th>x<\/th>/);
  assert.match(html, /<td>&lt;b&gt;&amp;<\/td>/);
  assert.match(html, /<td style="text-align:right">3<\/td><td style="text-align:right">0\.12<\/td>/);
  assert.match(html, /<td style="text-align:right">–<\/td>/);
});

function rectWidths(svg: string): number[] {
  return [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
}

Deno.test("barChartSvg() draws bar lengths proportional to values, or to their logs", () => {
  const bars = [{ label: "a", value: 1000 }, { label: "b", value: 10 }, { label: "c", value: 0 }];
  const [a, b, c] = rectWidths(barChartSvg(bars));
  assert.ok(Math.abs(b / a - 0.01) < 0.001);
  assert.equal(c, 0);
  const [la, lb] = rectWidths(barChartSvg(bars, { logScale: true, title: "Tags" }));
  assert.ok(Math.abs(lb / la - Math.log10(11) / Math.log10(1001)) < 0.01);
  assert.match(barChartSvg(bars, { logScale: true, title: "Tags" }), /Tags \(log scale\)/);
});

Deno.test("barChartSvg() draws negative values left of the zero line", () => {
  const svg = barChartSvg([{ label: "up", value: 1 }, { label: "down", value: -1 }]);
  const zero = Number(svg.match(/<line x1="([\d.]+)"/)![1]);
  const xs = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [+m[1], +m[2]]);
  assert.ok(Math.abs(xs[0][0] - zero) < 0.1);
  assert.ok(Math.abs(xs[1][0] + xs[1][1] - zero) < 0.1);
});

Deno.test("lineChartSvg() maps points into the plot area and lists each series in the legend", () => {
  const svg = lineChartSvg([{ name: "cats", points: [[0, 0], [1, 1]] }, {
    name: "dogs",
    points: [[0.5, 0.5]],
  }], {
    width: 200,
    height: 150,
    pointsOnly: true,
  });
  // plot area: left 48, right margin 130 -> width 22; top 10, bottom 40 -> height 100
  const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [+m[1], +m[2]]);
  assert.deepEqual(dots, [[48, 110], [70, 10], [59, 60]]);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 0);
  assert.match(svg, />cats<\/text>.*>dogs<\/text>/);
});

Deno.test("perTagRows() and operatingPoints() read a run's per-tag scores", () => {
  const m = manifest("r1", [score("rare", 2, 0.1), score("common", 50, 0.9)]);
  assert.deepEqual(perTagRows(m).map((r) => [r.tag, r.support, r["F0.5"]]), [["common", 50, 0.9], [
    "rare",
    2,
    0.1,
  ]]);
  const pts = operatingPoints(m, ["rare", "missing"]);
  assert.deepEqual(pts, [{ name: "rare @ 0.35", points: [[0.5, 0.8]] }]);
});

Deno.test("ablationBars() gives the drop per removed modality and the scores with single-modality runs", () => {
  const { drops, scores } = ablationBars(manifest("r1", []));
  assert.deepEqual(drops, [{ label: "without image", value: -0.05 }, { label: "without text", value: -0.3 }]);
  assert.deepEqual(scores.map((s) => [s.label, s.value]), [
    ["full model", 0.7],
    ["without image", 0.65],
    ["without text", 0.4],
    ["text only", 0.5],
  ]);
});

Deno.test("compareRuns() lines up two runs' metrics and per-tag F0.5 with the change", () => {
  const a = manifest("a", [score("cats", 5, 0.5), score("dogs", 5, 0.4)], 0.6);
  const b = manifest("b", [score("cats", 5, 0.75), score("birds", 5, 0.3)], 0.7);
  const { summary, perTag } = compareRuns(a, b);
  const w = summary.find((r) => r.metric === "weighted_f05")!;
  assert.ok(Math.abs((w.change as number) - 0.1) < 1e-12);
  assert.equal(summary.find((r) => r.metric === "code")!.change, "same");
  assert.deepEqual(perTag.map((r) => [r.tag, r.change]), [["birds", undefined], ["cats", 0.25], [
    "dogs",
    undefined,
  ]]);
});

Deno.test("imageHtml() embeds the bytes as a base64 data URL", () => {
  const html = imageHtml(new Uint8Array([1, 2, 3]), { mime: "image/png", title: 'a"b' });
  const b64 = html.match(/data:image\/png;base64,([^"]+)"/)![1];
  assert.deepEqual([...Buffer.from(b64, "base64")], [1, 2, 3]);
  assert.match(html, /title="a&quot;b"/);
});

Deno.test("mediaHtml() shows image thumbnails, video frames, and notes for media it cannot show", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const blobs = new FileBlobStore(join(dir, "blobs"));
    const png = await sharp({ create: { width: 640, height: 320, channels: 3, background: "#c03030" } }).png()
      .toBuffer();
    const image = await blobs.put(new Uint8Array(png));
    const videoPath = join(dir, "clip.mp4");
    const ff = await new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=96x64:rate=10",
        "-t",
        "2",
        "-pix_fmt",
        "yuv420p",
        videoPath,
      ],
    }).output();
    assert.ok(ff.success, new TextDecoder().decode(ff.stderr));
    const video = await blobs.putFile(videoPath);
    const broken = await blobs.put(new TextEncoder().encode("not an image"));
    const html = await mediaHtml(blobs, [
      { position: 0, kind: "image", blob_sha256: image.sha256, mime: "image/png", error: null },
      { position: 1, kind: "video", blob_sha256: video.sha256, mime: "video/mp4", error: null },
      { position: 2, kind: "image", blob_sha256: null, mime: null, error: "HTTP 404" },
      { position: 3, kind: "image", blob_sha256: broken.sha256, mime: null, error: null },
    ], { size: 80, frames: 3 });
    const imgs = [...html.matchAll(/data:image\/jpeg;base64,([^"]+)"/g)].map((m) =>
      Buffer.from(m[1], "base64")
    );
    assert.equal(imgs.length, 1 + 3);
    const thumb = await sharp(imgs[0]).metadata();
    assert.deepEqual([thumb.width, thumb.height], [80, 40]);
    const frame = await sharp(imgs[1]).metadata();
    assert.deepEqual([frame.width, frame.height], [80, 80]);
    assert.match(html, /image 2: not stored \(HTTP 404\)/);
    assert.match(html, /image 3: cannot show/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("postCardHtml() shows the post's text escaped, its languages, tags and suggestions", () => {
  const html = postCardHtml({
    id: "abc",
    platform: "sample",
    source: "sample",
    created_at: new Date("2026-02-03T04:05:00Z"),
    split: null,
    doc: { text: "a <script>", lang: "en", lang_detected: "de" },
    user_followers: null,
    user_following: null,
    user_posts: null,
    user_verified: null,
    user_created_at: null,
    device: null,
    content_hash: "h",
    media: [],
    tags: [],
  }, { suggestions: [{ tag: "cats", probability: 0.912 }] });
  assert.match(html, /a &lt;script&gt;/);
  assert.match(html, /2026-02-03 04:05 · en, detected de/);
  assert.match(html, /tags: none · suggested: cats 0\.91/);
});
