import assert from "node:assert/strict";
import { PHRASES } from "./phrases.ts";
import { planSample, type SamplePlan } from "./plan.ts";
import { TAGS, WINDOW_END, WINDOW_START } from "./tags.ts";

const PLAN = planSample({ posts: 3000, seed: 7 });
const DAY_MS = 86_400_000;

function share(plan: SamplePlan, tag: string, from: number, to: number): number {
  const posts = plan.posts.filter((p) => {
    const ms = Date.parse(p.json.created_at);
    return ms >= from && ms < to;
  });
  return posts.filter((p) => p.tags.includes(tag)).length / posts.length;
}

Deno.test("planSample() draws the same corpus for a seed and another one for another seed", () => {
  const a = planSample({ posts: 200, seed: 11 });
  const b = planSample({ posts: 200, seed: 11 });
  const c = planSample({ posts: 200, seed: 12 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.posts.map((p) => p.json), c.posts.map((p) => p.json));
});

Deno.test("planSample() rejects a non-positive post count", () => {
  assert.throws(() => planSample({ posts: 0 }), RangeError);
});

Deno.test("planSample() keeps posts sorted inside the 24-month window with sequential ids", () => {
  let last = WINDOW_START;
  PLAN.posts.forEach((p, i) => {
    const ms = Date.parse(p.json.created_at);
    assert.ok(ms >= last && ms < WINDOW_END, p.json.created_at);
    assert.equal(p.json.id, `s${String(i + 1).padStart(6, "0")}`);
    last = ms;
  });
  assert.ok(Date.parse(PLAN.posts[0].json.created_at) < WINDOW_START + 7 * DAY_MS);
  assert.ok(Date.parse(PLAN.posts.at(-1)!.json.created_at) > WINDOW_END - 7 * DAY_MS);
});

Deno.test("planSample() mixes modalities like a real feed, with videos a minority", () => {
  for (const plan of [planSample({ posts: 400, seed: 3 }), PLAN]) {
    const mixes = new Set(plan.posts.map((p) => p.mix));
    for (const m of ["text", "image", "video", "text+image", "text+video", "text+image+video"] as const) {
      assert.ok(mixes.has(m), `mix "${m}" missing`);
    }
    const withVideo = plan.posts.filter((p) => p.media.some((m) => m.kind === "video")).length /
      plan.posts.length;
    assert.ok(withVideo >= 0.08 && withVideo <= 0.18, `video share ${withVideo}`);
    for (const p of plan.posts) {
      assert.equal(p.json.text !== undefined, p.mix.includes("text"));
      assert.equal(p.media.some((m) => m.kind === "image"), p.mix.includes("image"));
      assert.equal(p.media.some((m) => m.kind === "video"), p.mix.includes("video"));
      assert.equal(p.json.media === undefined, p.media.length === 0);
    }
  }
});

Deno.test("planSample() writes text in six languages including Arabic, Devanagari and Japanese scripts", () => {
  const plan = planSample({ posts: 400, seed: 3 });
  const texts = plan.posts.filter((p) => p.textLang);
  for (const lang of ["en", "es", "de", "ar", "hi", "ja"]) {
    const n = texts.filter((p) => p.textLang === lang).length;
    assert.ok(n / texts.length >= 0.03, `lang "${lang}" has ${n} posts`);
  }
  const all = texts.map((p) => p.json.text).join("\n");
  assert.match(all, /\p{Script=Arabic}/u);
  assert.match(all, /\p{Script=Devanagari}/u);
  assert.match(all, /[\p{Script=Hiragana}\p{Script=Katakana}]/u);
  assert.match(all, /#\S+/u);
  assert.match(all, /@\w+/u);
  assert.match(all, /https:\/\/\S+/u);
  assert.match(all, /\p{Extended_Pictographic}/u);
  const declared = texts.filter((p) => p.json.lang).length / texts.length;
  assert.ok(declared > 0.7 && declared < 0.95, `declared share ${declared}`);
});

Deno.test("planSample() labels about two thirds of the posts and leaves the rest without labels", () => {
  const labeled = PLAN.posts.filter((p) => p.json.labels);
  assert.equal(labeled.length, Math.ceil(3000 * 0.68));
  assert.ok(labeled.length >= 2000);
  for (const p of PLAN.posts) {
    assert.ok(p.tags.length >= 1 && p.tags.length <= 3);
    if (p.json.labels) assert.deepEqual(p.json.labels, p.tags);
    else assert.ok(!("labels" in p.json));
  }
  const sizes = new Set(labeled.map((p) => p.tags.length));
  assert.deepEqual([...sizes].sort(), [1, 2, 3]);
});

Deno.test("planSample() shows every label in a modality the post carries", () => {
  for (const p of PLAN.posts) {
    for (const name of p.tags) {
      const tag = TAGS.find((t) => t.name === name)!;
      if (tag.meta) continue;
      const inText = tag.carriers.includes("text") && p.textLang !== undefined &&
        PHRASES[p.textLang].tags[name].slice(1).some((s) => p.json.text!.includes(s));
      const inImage = p.media.some((m) => m.kind === "image" && m.scene === name);
      const inVideo = p.media.some((m) => m.kind === "video" && m.motion === name);
      assert.ok(inText || inImage || inVideo, `${p.json.id}: "${name}" not visible`);
      if (tag.carriers.length === 1 && tag.carriers[0] === "image") {
        assert.ok(inImage, `${p.json.id} ${name}`);
      }
      if (tag.carriers.length === 1 && tag.carriers[0] === "video") {
        assert.ok(inVideo, `${p.json.id} ${name}`);
      }
    }
  }
});

Deno.test("planSample() never names an image-only or video-only tag in the text", () => {
  const hidden = TAGS.filter((t) => !t.carriers.includes("text")).map((t) => t.name);
  for (const lang of Object.keys(PHRASES) as (keyof typeof PHRASES)[]) {
    for (const name of hidden) assert.equal(PHRASES[lang].tags[name], undefined, `${lang} ${name}`);
  }
  for (const p of PLAN.posts) {
    for (const name of hidden) assert.ok(!p.json.text?.toLowerCase().includes(`#${name}`), p.json.id);
  }
});

Deno.test("planSample() gives tags a decreasing power-law frequency profile", () => {
  const counts = TAGS.map((t) => PLAN.posts.filter((p) => p.tags.includes(t.name)).length).sort((a, b) =>
    b - a
  );
  const xs = counts.map((_, r) => Math.log(r + 1));
  const ys = counts.map((c) => Math.log(c));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const r2 = (sxy * sxy) / (sxx * syy);
  assert.ok(slope < -0.5 && slope > -1.6, `slope ${slope}`);
  assert.ok(r2 > 0.85, `r2 ${r2}`);
  assert.ok(counts[0] / counts.at(-1)! > 8, `head/tail ${counts[0]}/${counts.at(-1)}`);
  assert.ok(counts.at(-1)! >= 30, `rarest tag has ${counts.at(-1)} posts`);
});

Deno.test("planSample() gives tags rising, fading, seasonal and burst trend shapes", async (t) => {
  const first = [WINDOW_START, WINDOW_START + 182 * DAY_MS] as const;
  const last = [WINDOW_END - 182 * DAY_MS, WINDOW_END] as const;
  for (const tag of TAGS) {
    const trend = tag.trend;
    if (trend.shape === "rising") {
      await t.step(`${tag.name} rises`, () => {
        assert.ok(share(PLAN, tag.name, ...last) > 1.3 * share(PLAN, tag.name, ...first));
      });
    } else if (trend.shape === "fading") {
      await t.step(`${tag.name} fades`, () => {
        assert.ok(share(PLAN, tag.name, ...first) > 1.3 * share(PLAN, tag.name, ...last));
      });
    } else if (trend.shape === "seasonal" && trend.amplitude >= 0.6) {
      await t.step(`${tag.name} peaks in season`, () => {
        const inSeason = PLAN.posts.filter((p) => {
          const m = new Date(p.json.created_at).getUTCMonth() + 1;
          return Math.min(Math.abs(m - trend.peakMonth), 12 - Math.abs(m - trend.peakMonth)) <= 1;
        });
        const offSeason = PLAN.posts.filter((p) => {
          const m = new Date(p.json.created_at).getUTCMonth() + 1;
          return Math.min(Math.abs(m - trend.peakMonth), 12 - Math.abs(m - trend.peakMonth)) >= 5;
        });
        const s = (ps: typeof inSeason) => ps.filter((p) => p.tags.includes(tag.name)).length / ps.length;
        assert.ok(s(inSeason) > 2 * s(offSeason), `${s(inSeason)} vs ${s(offSeason)}`);
      });
    } else if (trend.shape === "burst") {
      await t.step(`${tag.name} bursts around ${trend.peak}`, () => {
        const weeks = new Array(Math.ceil((WINDOW_END - WINDOW_START) / (7 * DAY_MS))).fill(0);
        for (const p of PLAN.posts) {
          if (p.tags.includes(tag.name)) {
            weeks[Math.floor((Date.parse(p.json.created_at) - WINDOW_START) / (7 * DAY_MS))]++;
          }
        }
        const peakWeek = weeks.indexOf(Math.max(...weeks));
        const median = weeks.slice().sort((a, b) => a - b)[Math.floor(weeks.length / 2)];
        assert.ok(weeks[peakWeek] >= 8 * Math.max(1, median), `peak ${weeks[peakWeek]} median ${median}`);
        const peakMs = WINDOW_START + (peakWeek + 0.5) * 7 * DAY_MS;
        assert.ok(Math.abs(peakMs - Date.parse(trend.peak)) < 14 * DAY_MS);
      });
    }
  }
});

Deno.test("planSample() lets metadata carry the night, rush-hour and brand tags", () => {
  const night = (p: { json: { created_at: string } }) => {
    const h = new Date(p.json.created_at).getUTCHours();
    return h >= 21 || h <= 3;
  };
  const rate = (ps: typeof PLAN.posts, tag: string) =>
    ps.filter((p) => p.tags.includes(tag)).length / ps.length;
  assert.ok(
    rate(PLAN.posts.filter(night), "nightlife") > 4 * rate(PLAN.posts.filter((p) => !night(p)), "nightlife"),
  );
  const rush = (p: (typeof PLAN.posts)[number]) => {
    const d = new Date(p.json.created_at);
    const h = d.getUTCHours();
    return d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && (h >= 7 && h <= 9 || h >= 17 && h <= 19) &&
      (p.json.device === "ios" || p.json.device === "android");
  };
  assert.ok(
    rate(PLAN.posts.filter(rush), "commute") > 4 * rate(PLAN.posts.filter((p) => !rush(p)), "commute"),
  );
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const promo = PLAN.posts.filter((p) => p.tags.includes("promo"));
  assert.ok(
    median(promo.map((p) => p.json.user.followers)) >
      5 * median(PLAN.posts.map((p) => p.json.user.followers)),
  );
});

Deno.test("planSample() keeps each user's traits stable across their posts", () => {
  const seen = new Map<string, string>();
  for (const p of PLAN.posts) {
    const key = JSON.stringify(p.json.user);
    assert.equal(seen.get(p.json.user.id) ?? key, key);
    seen.set(p.json.user.id, key);
  }
  assert.ok(seen.size >= 200, `${seen.size} users`);
  const devices = new Set(PLAN.posts.map((p) => p.json.device));
  assert.ok(devices.has(undefined) && devices.has("ios") && devices.has("android") && devices.has("web"));
  const platforms = new Set(PLAN.posts.map((p) => p.json.platform));
  assert.deepEqual([...platforms].sort(), ["bluesky", "mastodon", "sample"]);
});

Deno.test("planSample() varies image formats and sizes and video shapes", () => {
  const media = PLAN.posts.flatMap((p) => p.media);
  const images = media.filter((m) => m.kind === "image");
  const videos = media.filter((m) => m.kind === "video");
  assert.deepEqual(
    new Set(images.map((m) => m.format)),
    new Set(["jpeg", "png", "webp", "gif", "avif", "tiff"]),
  );
  const longSides = images.map((m) => Math.max(m.width, m.height));
  assert.ok(Math.min(...longSides) <= 340 && Math.max(...longSides) >= 1400);
  assert.ok(new Set(images.map((m) => (m.width / m.height).toFixed(2))).size >= 5);
  assert.ok(new Set(videos.map((m) => m.fps)).size >= 4);
  assert.ok(
    Math.min(...videos.map((m) => m.duration)) <= 1.5 && Math.max(...videos.map((m) => m.duration)) >= 11,
  );
  assert.ok(videos.some((m) => m.audio) && videos.some((m) => !m.audio));
  assert.ok(
    videos.some((m) => m.container === "webm") &&
      videos.filter((m) => m.container === "mp4").length > videos.length / 2,
  );
});
