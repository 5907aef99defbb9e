import assert from "node:assert/strict";
import { downloadHls } from "./hls.ts";
import { createHttpClient } from "./_http.ts";
import { fakeClock, startReplay } from "../../tests/fixtures/replay_server.ts";

Deno.test("downloadHls() joins an fMP4 init map and segments of a media playlist", async () => {
  const files: Record<string, string> = {
    "/v/media.m3u8":
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg/a.m4s\n#EXTINF:2,\nseg/b.m4s\n#EXT-X-ENDLIST\n',
    "/v/init.mp4": "INIT",
    "/v/seg/a.m4s": "A",
    "/v/seg/b.m4s": "B",
    "/v/empty.m3u8": "#EXTM3U\n#EXT-X-ENDLIST\n",
    "/v/not.m3u8": "<html></html>",
  };
  await using replay = await startReplay((url) =>
    url.pathname in files ? new Response(files[url.pathname]) : new Response("", { status: 404 })
  );
  // The local server stands in for a video host: allowed by name, as a self-hosted one would be.
  const http = createHttpClient({ ...fakeClock(), allowPrivateHosts: [new URL(replay.base).host] });
  const got = await downloadHls(http, `${replay.base}/v/media.m3u8`);
  assert.equal(new TextDecoder().decode(got.bytes), "INITAB");
  assert.equal(got.mime, "video/mp4");
  await assert.rejects(downloadHls(http, `${replay.base}/v/empty.m3u8`), /no segments/);
  await assert.rejects(downloadHls(http, `${replay.base}/v/not.m3u8`), /missing "#EXTM3U" header/);
  await assert.rejects(
    downloadHls(http, `${replay.base}/v/media.m3u8`, { maxBytes: 3 }),
    /larger than maxVideoBytes "3"/,
  );
});

Deno.test("downloadHls() output of a real MPEG-TS stream decodes with ffprobe, every frame", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const encode = new Deno.Command("ffmpeg", {
      args: ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10", "-t", "3"]
        .concat(["-c:v", "libx264", "-g", "10", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0"])
        .concat(["-hls_segment_filename", `${dir}/seg%d.ts`, `${dir}/video.m3u8`]),
    });
    assert.equal((await encode.output()).code, 0);
    await using replay = await startReplay(async (url) => {
      try {
        return new Response(await Deno.readFile(`${dir}${url.pathname}`));
      } catch {
        return new Response("", { status: 404 });
      }
    });
    const http = createHttpClient({ ...fakeClock(), allowPrivateHosts: [new URL(replay.base).host] });
    const got = await downloadHls(http, `${replay.base}/video.m3u8`);
    assert.equal(got.mime, "video/mp2t");
    await Deno.writeFile(`${dir}/joined.ts`, got.bytes);
    const probe = new Deno.Command("ffprobe", {
      args: ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"]
        .concat([`${dir}/joined.ts`]),
    });
    const out = await probe.output();
    // ffprobe lists the stream under its program too: every line must read 30 frames.
    const counts = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.trim());
    assert.ok(counts.length > 0);
    assert.deepEqual(new Set(counts), new Set(["30"]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
