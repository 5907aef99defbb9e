/**
 * The pure, fast half of the generator: draws users, posts, labels, text and media specs from a seed,
 * without rendering any media. `renderMedia` (media.ts) turns the specs into files.
 */
import { deriveSeed, Prng } from "./_prng.ts";
import { GENERIC_EMOJI, GENERIC_HASHTAGS, type Lang, LANGS, PHRASES, TAG_EMOJI } from "./phrases.ts";
import { type Scene, SCENES } from "./scenes.ts";
import { baseWeight, TAGS, type TagSpec, trendFactor, WINDOW_END, WINDOW_START } from "./tags.ts";

/** Which modalities a post has. */
export type ModalityMix =
  | "text"
  | "image"
  | "video"
  | "text+image"
  | "text+video"
  | "image+video"
  | "text+image+video";

export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "avif" | "tiff";
export type VideoMotion = "dance" | "timelapse" | "racing" | "gaming" | "sports" | "generic";

export interface ImagePlan {
  kind: "image";
  /** Relative to the corpus folder, e.g. "media/s000123-0.jpg". */
  path: string;
  mime: string;
  format: ImageFormat;
  width: number;
  height: number;
  scene: Scene;
  seed: number;
}

export interface VideoPlan {
  kind: "video";
  path: string;
  mime: string;
  container: "mp4" | "webm";
  width: number;
  height: number;
  fps: number;
  /** Seconds. */
  duration: number;
  audio: boolean;
  motion: VideoMotion;
  seed: number;
}

export type MediaSpec = ImagePlan | VideoPlan;

/** A user as written in posts.jsonl. */
export interface SampleUserJson {
  id: string;
  followers: number;
  following: number;
  posts: number;
  verified: boolean;
  created_at: string;
}

/** One line of posts.jsonl (the project's JSONL import format). */
export interface SamplePostJson {
  id: string;
  platform: string;
  created_at: string;
  text?: string;
  lang?: string;
  media?: { kind: "image" | "video"; path: string; mime: string }[];
  user: SampleUserJson;
  device?: string;
  /** Ground truth; absent on unlabeled posts. */
  labels?: string[];
}

export type Segment = "regular" | "creator" | "brand";

/** A user's stable traits. */
export interface SampleUser {
  json: SampleUserJson;
  handle: string;
  platform: string;
  segment: Segment;
  lang: Lang;
  secondLang?: Lang;
  device: string;
  nightOwl: boolean;
  /** Tags this user posts about more often. */
  favourites: string[];
  activity: number;
}

export interface PlannedPost {
  json: SamplePostJson;
  /** True tags, also for unlabeled posts. */
  tags: string[];
  mix: ModalityMix;
  /** Language of the text, also when `lang` is not declared. */
  textLang?: Lang;
  media: MediaSpec[];
}

export interface SamplePlan {
  posts: PlannedPost[];
  users: SampleUser[];
}

export interface PlanOptions {
  /** Number of posts. @default 3000 */
  posts?: number;
  /** PRNG seed. @default 7 */
  seed?: number;
  /** Share of posts that carry labels (rounded up). @default 0.68 */
  labeledShare?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Base modality mix before labels constrain it (videos stay a minority). */
const MIX_WEIGHTS: Readonly<Record<ModalityMix, number>> = {
  "text": 0.34,
  "image": 0.13,
  "video": 0.015,
  "text+image": 0.455,
  "text+video": 0.035,
  "image+video": 0.005,
  "text+image+video": 0.015,
};

const LANG_WEIGHTS: Readonly<Record<Lang, number>> = {
  en: 0.38,
  es: 0.16,
  de: 0.12,
  ar: 0.1,
  hi: 0.1,
  ja: 0.14,
};
const DEVICE_WEIGHTS = { ios: 0.36, android: 0.38, web: 0.18, desktop: 0.08 };
const PLATFORM_WEIGHTS = { mastodon: 0.45, bluesky: 0.4, sample: 0.15 };
const SEGMENT_WEIGHTS: Readonly<Record<Segment, number>> = { regular: 0.82, creator: 0.12, brand: 0.06 };
/** Posting-hour profile of an ordinary user (UTC hours 0-23). */
const HOUR_WEIGHTS = [
  3,
  2,
  1.2,
  0.8,
  0.6,
  0.8,
  1.5,
  3,
  4,
  4,
  4,
  4.5,
  5,
  4.5,
  4,
  4,
  4.5,
  5,
  5.5,
  6,
  6,
  5.5,
  5,
  4,
];
/** Extra weight night owls put on 21:00-03:59. */
const NIGHT_OWL_BOOST = [4, 4, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5, 5];

const IMAGE_FORMATS: Readonly<Record<ImageFormat, number>> = {
  jpeg: 0.5,
  png: 0.17,
  webp: 0.2,
  gif: 0.04,
  avif: 0.045,
  tiff: 0.045,
};
const IMAGE_EXT: Record<ImageFormat, string> = {
  jpeg: "jpg",
  png: "png",
  webp: "webp",
  gif: "gif",
  avif: "avif",
  tiff: "tif",
};
const ASPECTS = [[1, 1], [4, 3], [3, 4], [16, 9], [9, 16], [3, 2], [2, 3]] as const;
const VIDEO_SIZES = [[160, 120], [320, 180], [320, 240], [426, 240], [480, 270], [480, 360], [640, 360], [
  180,
  320,
], [
  360,
  640,
]] as const;
const VIDEO_FPS = [12, 15, 20, 24, 25, 30];
const SYLLABLES = [
  "ka",
  "lu",
  "mi",
  "ra",
  "to",
  "ne",
  "sa",
  "vi",
  "do",
  "le",
  "zu",
  "po",
  "an",
  "el",
  "or",
  "in",
];

const TAG_BY_NAME = new Map(TAGS.map((t) => [t.name, t]));

function has(mix: ModalityMix, m: "text" | "image" | "video"): boolean {
  return mix.split("+").includes(m);
}

/** Modalities (text/image/video) that can show `tag`; empty for metadata-only tags. */
function contentCarriers(tag: TagSpec): ("text" | "image" | "video")[] {
  return tag.carriers.filter((c): c is "text" | "image" | "video" => c !== "metadata");
}

/** A mix can carry a tag when it holds one of the tag's content carriers, or the tag is helped by metadata. */
function mixFits(mix: ModalityMix, tag: TagSpec): boolean {
  if (tag.meta) return true;
  return contentCarriers(tag).some((c) => has(mix, c));
}

function metaFactor(
  tag: TagSpec,
  hour: number,
  weekday: number,
  device: string | undefined,
  user: SampleUser,
): number {
  switch (tag.meta) {
    case undefined:
      return 1;
    case "night_hours": {
      const night = hour >= 21 || hour <= 3;
      const weekend = weekday === 5 || weekday === 6;
      return (night ? 4 : 0.25) * (weekend ? 1.5 : 0.8);
    }
    case "rush_hour_mobile": {
      const workday = weekday >= 1 && weekday <= 5;
      const rush = (hour >= 7 && hour <= 9) || (hour >= 17 && hour <= 19);
      const mobile = device === "ios" || device === "android";
      return workday && rush && mobile ? 8 : 0.2;
    }
    case "brand_account":
      return user.segment === "brand" ? 25 : 0.1;
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function makeUsers(count: number, rng: Prng): SampleUser[] {
  const users: SampleUser[] = [];
  for (let i = 0; i < count; i++) {
    const segment = rng.weighted(SEGMENT_WEIGHTS);
    const lang = rng.weighted(LANG_WEIGHTS);
    const secondLang = rng.chance(0.25) ? rng.pick(LANGS.filter((l) => l !== lang)) : undefined;
    const followerScale = segment === "brand" ? 60 : segment === "creator" ? 15 : 1;
    const created = Date.UTC(2007, 0, 1) + Math.floor(rng.range(0, 6480)) * DAY_MS;
    const favourites: string[] = [];
    while (favourites.length < 2) {
      const t = TAGS[rng.weightedIndex(TAGS.map((_, r) => baseWeight(r)))].name;
      if (!favourites.includes(t)) favourites.push(t);
    }
    const handle = `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}_${rng.int(1, 99)}`;
    users.push({
      json: {
        id: `u${String(i + 1).padStart(4, "0")}`,
        followers: Math.round(rng.logNormal(5, 1.5) * followerScale),
        following: Math.round(rng.logNormal(5.3, 1)),
        posts: Math.round(rng.logNormal(6, 1.3)),
        verified: rng.chance(segment === "brand" ? 0.8 : segment === "creator" ? 0.3 : 0.02),
        created_at: isoDate(created),
      },
      handle,
      platform: rng.weighted(PLATFORM_WEIGHTS),
      segment,
      lang,
      secondLang,
      device: rng.weighted(DEVICE_WEIGHTS),
      nightOwl: rng.chance(0.2),
      favourites,
      activity: rng.logNormal(0, 1.1) * (segment === "brand" ? 1.5 : 1),
    });
  }
  return users;
}

/** Picks the mix, among those that fit every tag, from the base weights. */
function pickMix(tags: TagSpec[], user: SampleUser, rng: Prng): ModalityMix {
  const mixes = Object.keys(MIX_WEIGHTS) as ModalityMix[];
  const weights = mixes.map((m) => {
    if (!tags.every((t) => mixFits(m, t))) return 0;
    const w = MIX_WEIGHTS[m];
    return has(m, "video") && user.segment === "creator" ? w * 2.5 : w;
  });
  return mixes[rng.weightedIndex(weights)];
}

/** Decides, per tag, which present modalities express it; every content tag gets at least one. */
function expressions(tags: TagSpec[], mix: ModalityMix, rng: Prng): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const tag of tags) {
    const set = new Set<string>();
    const present = contentCarriers(tag).filter((c) => has(mix, c));
    if (tag.meta) {
      const p = tag.meta === "brand_account" ? 0.5 : 0.35;
      if (present.includes("text") && rng.chance(p)) set.add("text");
    } else {
      for (const c of present) if (rng.chance(c === "text" ? 0.85 : 0.9)) set.add(c);
      if (set.size === 0) set.add(rng.pick(present));
    }
    out.set(tag.name, set);
  }
  return out;
}

function composeText(
  lang: Lang,
  textTags: string[],
  allTags: string[],
  users: SampleUser[],
  rng: Prng,
): string {
  const bank = PHRASES[lang];
  const sentences: string[] = [];
  const hashtags: string[] = [];
  let emoji: string[] = [];
  for (const name of textTags) {
    const tb = bank.tags[name];
    if (!tb) continue;
    const [tagWord, ...phrases] = tb;
    sentences.push(rng.pick(phrases));
    if (rng.chance(0.5)) hashtags.push(`#${tagWord}`);
    if (rng.chance(0.45)) emoji.push(rng.pick(TAG_EMOJI[name] ?? GENERIC_EMOJI));
  }
  // label noise: now and then a phrase about a tag the post is not about
  if (rng.chance(0.04)) {
    const others = Object.keys(bank.tags).filter((t) => !allTags.includes(t));
    sentences.push(rng.pick(bank.tags[rng.pick(others)].slice(1)));
  }
  if (sentences.length === 0 || rng.chance(0.45)) {
    const filler = rng.pick(bank.filler);
    if (rng.chance(0.5)) sentences.unshift(filler);
    else sentences.push(filler);
  }
  if (rng.chance(0.2)) hashtags.push(`#${rng.pick(GENERIC_HASHTAGS)}`);
  if (rng.chance(0.3)) emoji.push(rng.pick(GENERIC_EMOJI));
  emoji = [...new Set(emoji)];
  let text = sentences.join(bank.separator);
  if (rng.chance(0.15)) text = `@${rng.pick(users).handle} ${text}`;
  if (emoji.length) text += ` ${emoji.join("")}`;
  const promo = textTags.includes("promo") || (allTags.includes("promo") && rng.chance(0.6));
  const news = allTags.includes("politics") || allTags.includes("finance");
  if (promo) text += ` https://shop.example.com/p/${rng.int(1000, 9999)}`;
  else if (news && rng.chance(0.3)) {
    text += ` https://news.example.net/${rng.int(2024, 2026)}/${rng.int(10000, 99999)}`;
  } else if (rng.chance(0.08)) text += ` https://example.org/s/${rng.int(100000, 999999).toString(36)}`;
  if (hashtags.length) text += ` ${hashtags.join(" ")}`;
  return text;
}

function imageSpec(id: string, index: number, scene: Scene, seed: number, rng: Prng): ImagePlan {
  const format = rng.weighted(IMAGE_FORMATS);
  const cap = format === "png" || format === "gif" ? 900 : format === "tiff" ? 1000 : 1600;
  const long = Math.min(cap, 320 + Math.round((1600 - 320) * Math.pow(rng.next(), 2.2)));
  const [a, b] = rng.pick(ASPECTS);
  const landscape = a >= b;
  const short = Math.round((long * Math.min(a, b)) / Math.max(a, b));
  const even = (x: number) => Math.max(16, x - (x % 2));
  return {
    kind: "image",
    path: `media/${id}-${index}.${IMAGE_EXT[format]}`,
    mime: format === "jpeg" ? "image/jpeg" : `image/${format}`,
    format,
    width: even(landscape ? long : short),
    height: even(landscape ? short : long),
    scene,
    seed: deriveSeed(seed, id, index),
  };
}

function videoSpec(id: string, index: number, motion: VideoMotion, seed: number, rng: Prng): VideoPlan {
  const container = rng.chance(0.85) ? "mp4" : "webm";
  const [width, height] = rng.pick(VIDEO_SIZES);
  return {
    kind: "video",
    path: `media/${id}-${index}.${container}`,
    mime: `video/${container}`,
    container,
    width,
    height,
    fps: rng.pick(VIDEO_FPS),
    // the largest frames get at most 8 s, to keep the encode time of the whole corpus in budget
    duration: Math.min(
      width * height >= 230_400 ? 8 : 12,
      Math.round((1 + 11 * Math.pow(rng.next(), 1.8)) * 2) / 2,
    ),
    audio: rng.chance(0.5),
    motion,
    seed: deriveSeed(seed, id, index),
  };
}

/** Draws the whole corpus (users, posts, labels, text, media specs) from the seed; renders nothing. */
export function planSample(options: PlanOptions = {}): SamplePlan {
  const { posts: count = 3000, seed = 7, labeledShare = 0.68 } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot plan the sample: posts is "${count}"`);
  }
  const rng = new Prng(deriveSeed(seed, "plan"));
  const users = makeUsers(Math.round(Math.min(400, Math.max(20, count / 10))), rng);
  const activity = users.map((u) => u.activity);

  // 1. who posts when (volume grows over the window; hours follow a daily cycle)
  const days = Math.round((WINDOW_END - WINDOW_START) / DAY_MS);
  const drafts: { user: SampleUser; ms: number }[] = [];
  for (let i = 0; i < count; i++) {
    const user = users[rng.weightedIndex(activity)];
    let u = rng.next();
    while (!rng.chance((1 + 0.6 * u) / 1.6)) u = rng.next();
    const day = Math.min(days - 1, Math.floor(u * days));
    const hours = HOUR_WEIGHTS.map((w, h) => w + (user.nightOwl ? NIGHT_OWL_BOOST[h] : 0));
    const hour = rng.weightedIndex(hours);
    const ms = WINDOW_START + day * DAY_MS + hour * HOUR_MS + rng.int(0, 3599) * 1000;
    drafts.push({ user, ms });
  }
  drafts.sort((a, b) => a.ms - b.ms || a.user.json.id.localeCompare(b.user.json.id));
  const labeled = new Set(rng.shuffle(drafts.map((_, i) => i)).slice(0, Math.ceil(count * labeledShare)));

  // 2. what each post is about, and how it shows it
  const planned: PlannedPost[] = drafts.map(({ user, ms }, i) => {
    const id = `s${String(i + 1).padStart(6, "0")}`;
    const date = new Date(ms);
    const hour = date.getUTCHours();
    const weekday = date.getUTCDay();
    const device = rng.chance(0.08)
      ? undefined
      : rng.chance(0.85)
      ? user.device
      : rng.weighted(DEVICE_WEIGHTS);
    const k = rng.weightedIndex([0.58, 0.3, 0.12]) + 1;
    const weights = TAGS.map((tag, r) =>
      baseWeight(r) * trendFactor(tag, ms) * metaFactor(tag, hour, weekday, device, user) *
      (user.favourites.includes(tag.name) ? 3 : 1)
    );
    const tags: TagSpec[] = [];
    while (tags.length < k) {
      const idx = rng.weightedIndex(weights);
      tags.push(TAGS[idx]);
      weights[idx] = 0;
    }
    const mix = pickMix(tags, user, rng);
    const expressed = expressions(tags, mix, rng);
    const names = tags.map((t) => t.name);
    const json: SamplePostJson = { id, platform: user.platform, created_at: isoDate(ms) } as SamplePostJson;
    let textLang: Lang | undefined;
    if (has(mix, "text")) {
      textLang = user.secondLang && rng.chance(0.3)
        ? user.secondLang
        : rng.chance(0.05)
        ? rng.pick(LANGS)
        : user.lang;
      const textTags = names.filter((n) => expressed.get(n)!.has("text"));
      json.text = composeText(textLang, textTags, names, users, rng);
      if (rng.chance(0.85)) json.lang = textLang;
    }
    const media: MediaSpec[] = [];
    if (has(mix, "image")) {
      const scenes = names.filter((n) => expressed.get(n)!.has("image")) as Scene[];
      if (scenes.length === 0) scenes.push("generic");
      if (scenes.length < 3 && rng.chance(0.12)) scenes.push(rng.chance(0.5) ? scenes[0] : "generic");
      for (const scene of scenes) media.push(imageSpec(id, media.length, scene, seed, rng));
    }
    if (has(mix, "video")) {
      const videoTags = names.filter((n) => expressed.get(n)!.has("video"));
      // video-only tags first: they have no other carrier
      videoTags.sort((a, b) => TAG_BY_NAME.get(a)!.carriers.length - TAG_BY_NAME.get(b)!.carriers.length);
      const motions = (videoTags.length ? videoTags : ["generic"]) as VideoMotion[];
      for (const motion of motions) media.push(videoSpec(id, media.length, motion, seed, rng));
    }
    if (media.length) json.media = media.map((m) => ({ kind: m.kind, path: m.path, mime: m.mime }));
    json.user = user.json;
    if (device) json.device = device;
    if (labeled.has(i)) json.labels = names;
    return { json, tags: names, mix, textLang, media };
  });
  return { posts: planned, users };
}

/** The modality mixes, in a fixed order. */
export const MIXES: readonly ModalityMix[] = Object.keys(MIX_WEIGHTS) as ModalityMix[];
/** Scenes and motions, re-exported for checks. */
export { SCENES };
