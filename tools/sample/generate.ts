/**
 * Writes the sample corpus: media files under `<outDir>/media/`, `posts.jsonl` (written to a temp file,
 * then renamed), `tags.json` and `manifest.json` (written last). A rerun with the same arguments skips the
 * work when the manifest, the posts file hash and the media sizes all still match.
 */
import { renderImage } from "./image.ts";
import { type MediaSpec, MIXES, type ModalityMix, planSample, type SamplePlan } from "./plan.ts";
import { baseWeight, TAGS } from "./tags.ts";
import { renderVideo } from "./video.ts";

/** Bumped whenever the generator's output changes for the same arguments. */
export const GENERATOR_VERSION = "sample-1";

export interface SampleProgress {
  phase: "media" | "write";
  done: number;
  total: number;
}

export interface GenerateSampleOptions {
  /** Number of posts. @default 3000 */
  posts?: number;
  /** PRNG seed. @default 7 */
  seed?: number;
  /** Media files rendered at once (each video is one single-threaded ffmpeg process). @default 2 */
  concurrency?: number;
  /** The ffmpeg binary. @default "ffmpeg" */
  ffmpegPath?: string;
  /** Regenerate even when the manifest matches. @default false */
  force?: boolean;
  /** Called after each media file and once when the posts file is written. */
  onProgress?: (progress: SampleProgress) => void;
}

export interface SampleCounts {
  posts: number;
  labeled: number;
  unlabeled: number;
  users: number;
  /** Posts per modality mix. */
  mixes: Record<ModalityMix, number>;
  /** Posts per declared language; "undeclared" for text without `lang`, "none" for posts without text. */
  langs: Record<string, number>;
  /** Posts per true tag (all posts) and per label (labeled posts only). */
  tags: Record<string, { all: number; labeled: number }>;
  /** Media files per format ("jpeg", "png", ..., "mp4", "webm"). */
  formats: Record<string, number>;
  images: number;
  videos: number;
  videosWithAudio: number;
  mediaBytes: number;
}

export interface SampleManifest {
  generator: string;
  args: { posts: number; seed: number };
  counts: SampleCounts;
  /** sha256 (hex) of posts.jsonl. */
  postsSha256: string;
}

export interface SampleSummary {
  outDir: string;
  postsPath: string;
  /** True when a matching corpus was already there and nothing was written. */
  skipped: boolean;
  manifest: SampleManifest;
  /** Wall-clock seconds spent. */
  seconds: number;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

/** Counts per modality mix, language, tag and media format. */
export function countPlan(plan: SamplePlan, mediaBytes = 0): SampleCounts {
  const mixes = Object.fromEntries(MIXES.map((m) => [m, 0])) as Record<ModalityMix, number>;
  const langs: Record<string, number> = {};
  const tags: Record<string, { all: number; labeled: number }> = Object.fromEntries(
    TAGS.map((t) => [t.name, { all: 0, labeled: 0 }]),
  );
  const formats: Record<string, number> = {};
  let labeled = 0, images = 0, videos = 0, videosWithAudio = 0;
  for (const p of plan.posts) {
    mixes[p.mix]++;
    const lang = p.json.lang ?? (p.json.text === undefined ? "none" : "undeclared");
    langs[lang] = (langs[lang] ?? 0) + 1;
    for (const t of p.tags) tags[t].all++;
    if (p.json.labels) {
      labeled++;
      for (const t of p.json.labels) tags[t].labeled++;
    }
    for (const m of p.media) {
      const key = m.kind === "image" ? m.format : m.container;
      formats[key] = (formats[key] ?? 0) + 1;
      if (m.kind === "image") images++;
      else {
        videos++;
        if (m.audio) videosWithAudio++;
      }
    }
  }
  return {
    posts: plan.posts.length,
    labeled,
    unlabeled: plan.posts.length - labeled,
    users: plan.users.length,
    mixes,
    langs: Object.fromEntries(Object.entries(langs).sort()),
    tags,
    formats: Object.fromEntries(Object.entries(formats).sort()),
    images,
    videos,
    videosWithAudio,
    mediaBytes,
  };
}

/** The tags.json document: each tag's meaning, signal carriers, trend shape and counts. */
export function tagsDocument(counts: SampleCounts): unknown {
  const total = TAGS.reduce((s, _, r) => s + baseWeight(r), 0);
  return {
    generator: GENERATOR_VERSION,
    window: { start: "2024-11-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" },
    tags: TAGS.map((t, rank) => ({
      name: t.name,
      description: t.description,
      carriers: t.carriers,
      signal: t.signal,
      trend: t.trend,
      ...(t.meta ? { meta: t.meta } : {}),
      rank: rank + 1,
      baseShare: Number((baseWeight(rank) / total).toFixed(4)),
      count: counts.tags[t.name].all,
      labeledCount: counts.tags[t.name].labeled,
    })),
  };
}

async function mediaBytesOnDisk(outDir: string, media: MediaSpec[]): Promise<number | undefined> {
  let sum = 0;
  for (const m of media) {
    try {
      sum += (await Deno.stat(`${outDir}/${m.path}`)).size;
    } catch {
      return undefined;
    }
  }
  return sum;
}

async function isUpToDate(
  outDir: string,
  args: SampleManifest["args"],
  media: MediaSpec[],
): Promise<SampleManifest | undefined> {
  const manifest = await readJson<SampleManifest>(`${outDir}/manifest.json`);
  if (!manifest || manifest.generator !== GENERATOR_VERSION) return undefined;
  if (manifest.args.posts !== args.posts || manifest.args.seed !== args.seed) return undefined;
  let posts: Uint8Array;
  try {
    posts = await Deno.readFile(`${outDir}/posts.jsonl`);
  } catch {
    return undefined;
  }
  if (await sha256Hex(posts) !== manifest.postsSha256) return undefined;
  if (await mediaBytesOnDisk(outDir, media) !== manifest.counts.mediaBytes) return undefined;
  return manifest;
}

/** Renders every media spec with a pool of `concurrency` workers, videos first; returns total bytes. */
async function renderAll(
  outDir: string,
  media: MediaSpec[],
  options: { concurrency: number; ffmpegPath: string; onProgress?: (p: SampleProgress) => void },
): Promise<number> {
  const jobs = [...media.filter((m) => m.kind === "video"), ...media.filter((m) => m.kind === "image")];
  const tmpDir = await Deno.makeTempDir({ prefix: "sample-media-" });
  let next = 0, done = 0, bytes = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // the first failure stops every worker; the error is rethrown once all have returned
    while (!failure && next < jobs.length) {
      const spec = jobs[next++];
      try {
        // await first, then add: `bytes += await ...` would read `bytes` before the await and lose updates
        const written = spec.kind === "image"
          ? await renderImage(spec, outDir)
          : await renderVideo(spec, outDir, { ffmpegPath: options.ffmpegPath, tmpDir });
        bytes += written;
      } catch (error) {
        failure ??= { error };
      }
      options.onProgress?.({ phase: "media", done: ++done, total: jobs.length });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await Deno.remove(tmpDir, { recursive: true });
  }
  if (failure) throw failure.error;
  return bytes;
}

/** Removes media files of an earlier run that the current plan does not reference. */
async function removeStale(outDir: string, media: MediaSpec[]): Promise<void> {
  const keep = new Set(media.map((m) => m.path.replace(/^media\//, "")));
  for await (const entry of Deno.readDir(`${outDir}/media`)) {
    if (entry.isFile && /^s\d{6}-\d+\.\w+$/.test(entry.name) && !keep.has(entry.name)) {
      await Deno.remove(`${outDir}/media/${entry.name}`);
    }
  }
}

/**
 * Generates the deterministic multimodal sample corpus into `outDir`: same arguments, byte-identical
 * posts.jsonl and media. Returns the manifest and the time taken.
 */
export async function generateSample(
  outDir: string,
  options: GenerateSampleOptions = {},
): Promise<SampleSummary> {
  const { posts = 3000, seed = 7, concurrency = 2, ffmpegPath = "ffmpeg", force = false, onProgress } =
    options;
  const started = performance.now();
  const args = { posts, seed };
  const plan = planSample(args);
  const media = plan.posts.flatMap((p) => p.media);
  const postsPath = `${outDir}/posts.jsonl`;
  const summary = (manifest: SampleManifest, skipped: boolean): SampleSummary => ({
    outDir,
    postsPath,
    skipped,
    manifest,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  });
  if (!force) {
    const existing = await isUpToDate(outDir, args, media);
    if (existing) return summary(existing, true);
  }
  await Deno.mkdir(`${outDir}/media`, { recursive: true });
  await Deno.remove(`${outDir}/manifest.json`).catch(() => {});
  await removeStale(outDir, media);
  const mediaBytes = await renderAll(outDir, media, { concurrency, ffmpegPath, onProgress });

  const lines = new TextEncoder().encode(plan.posts.map((p) => JSON.stringify(p.json) + "\n").join(""));
  await writeAtomic(postsPath, lines);
  const counts = countPlan(plan, mediaBytes);
  const encode = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc, null, 2) + "\n");
  await writeAtomic(`${outDir}/tags.json`, encode(tagsDocument(counts)));
  const manifest: SampleManifest = {
    generator: GENERATOR_VERSION,
    args,
    counts,
    postsSha256: await sha256Hex(lines),
  };
  await writeAtomic(`${outDir}/manifest.json`, encode(manifest));
  onProgress?.({ phase: "write", done: 1, total: 1 });
  return summary(manifest, false);
}
