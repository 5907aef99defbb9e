import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { ffprobeJson } from "./ffprobe.ts";
import { probeVideo } from "./media_probe.ts";

async function fakeFfprobe(dir: string, body: string): Promise<string> {
  const path = join(dir, "ffprobe");
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("probeVideo() at ingest does not follow a playlist posing as a video to another file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ffprobe-playlist-" });
  const elsewhere = join(dir, "elsewhere.ts");
  const made = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", elsewhere],
  }).output();
  assert.ok(made.success, "ffmpeg must be installed for this test");
  assert.ok((await probeVideo(elsewhere)).width === 64, "the segment itself is a readable video");
  // A blob has no extension; ffprobe would sniff HLS from the text and open the file it names.
  const blob = join(dir, "0123abcd");
  await Deno.writeTextFile(
    blob,
    `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${elsewhere}\n#EXT-X-ENDLIST\n`,
  );
  const facts = await probeVideo(blob);
  assert.equal(facts.width, undefined);
  assert.match(facts.error ?? "", /unreadable video/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ffprobeJson() kills a child that runs past its time limit, and reaps it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ffprobe-hang-" });
  const pidFile = join(dir, "pid");
  const ffprobePath = await fakeFfprobe(dir, `echo $$ > ${pidFile}\nexec sleep 30`);
  const t0 = performance.now();
  await assert.rejects(
    () => ffprobeJson(join(dir, "x.mp4"), { ffprobePath, timeoutMs: 300 }),
    /ffprobe took longer than 300 ms/,
  );
  assert.ok(performance.now() - t0 < 10_000, "the call returned without waiting for the child");
  const pid = (await Deno.readTextFile(pidFile)).trim();
  assert.ok(!existsSync(`/proc/${pid}`), `ffprobe ${pid} is still running`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("probeVideo() turns an ffprobe answer that is not JSON into a media error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ffprobe-garbage-" });
  const ffprobePath = await fakeFfprobe(dir, `echo '{"streams": [ oops'`);
  const facts = await probeVideo(join(dir, "x.mp4"), { ffprobePath });
  assert.match(facts.error ?? "", /unreadable video: .*not JSON/);
  await Deno.remove(dir, { recursive: true });
});
