import assert from "node:assert/strict";
import { benchImages, benchVideo } from "./_preprocess_media.ts";

Deno.test("benchImages() and benchVideo() return figures from generated inputs", async (t) => {
  const cacheDir = await Deno.makeTempDir();
  try {
    await t.step("images", async () => {
      const figures = await benchImages({ cacheDir, images: 3, rounds: 1, concurrency: 2 });
      assert.equal(figures.images, 3);
      assert.equal(figures.decoded_ok, 3);
      assert.ok(Number(figures.images_per_s) > 0);
      assert.ok(
        Number(figures.mean_file_kb) > 50,
        `mean_file_kb ${figures.mean_file_kb}: photo-like, not flat`,
      );
      // Generated once: a second run reuses the same files.
      const names = [...Deno.readDirSync(`${cacheDir}/jpeg_1600x1000`)].map((e) => e.name).sort();
      assert.deepEqual(names, ["photo_0000.jpg", "photo_0001.jpg", "photo_0002.jpg"]);
    });
    await t.step("video", async () => {
      const figures = await benchVideo({ cacheDir, seconds: 3, rounds: 1 });
      assert.equal(figures.frames_sampled, 8);
      assert.equal(figures.method, "seek");
      assert.equal(figures.decode_all_frames, 90);
      assert.ok(Number(figures.seek_seconds) > 0 && Number(figures.decode_all_seconds) > 0);
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
