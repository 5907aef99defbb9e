/**
 * The default image encoder's graph for tests: built once per machine (by `deno task test`, before the
 * test processes start) into `data/test/encoders`, and shared by every test that embeds images, so no
 * test converts MobileNetV2 itself.
 */
import { join, resolve } from "node:path";
import { buildMobileNetOnnx } from "../../tools/models/mod.ts";

const dir = join(resolve(Deno.env.get("TEST_DATA_DIR") ?? "data/test"), "encoders");
let ready: Promise<string> | undefined;

/** The folder holding the built MobileNetV2 graph (pass it as `cacheDir` / `encoderCacheDir`). */
export function testEncoderCache(): Promise<string> {
  ready ??= buildMobileNetOnnx(dir).then(() => dir);
  return ready;
}
