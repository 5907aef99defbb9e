/** Arrow feature cache throughput: MB/s written (IPC file, atomic rename) and read back (open + index). */
import { FeatureCache } from "@/features/mod.ts";

export async function benchCache(
  options: { rows?: number; dim?: number } = {},
): Promise<Record<string, number>> {
  const rows = options.rows ?? 20_000;
  const dim = options.dim ?? 1280;
  const root = await Deno.makeTempDir({ prefix: "bench-cache-" });
  try {
    const data = Array.from({ length: rows }, (_, i) => ({
      key: `k${i}`,
      vector: Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 0.01 + j)),
    }));
    const mb = (rows * dim * 4) / 2 ** 20;
    const cache = await FeatureCache.open(root, "bench", dim);
    let t = performance.now();
    await cache.put(data);
    const write = (performance.now() - t) / 1000;
    t = performance.now();
    const reopened = await FeatureCache.open(root, "bench", dim);
    const read = (performance.now() - t) / 1000;
    if (reopened.size !== rows) throw new Error(`bench cache read ${reopened.size} rows, wrote ${rows}`);
    return {
      rows,
      dim,
      mb: Math.round(mb),
      write_mb_per_s: Math.round(mb / write),
      read_mb_per_s: Math.round(mb / read),
    };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
