import assert from "node:assert/strict";
import { UsageError } from "./_cli.ts";
import { formatSummary, main } from "./sample.ts";

Deno.test("sample script rejects unknown options and bad numbers before generating anything", async () => {
  await assert.rejects(() => main(["--bogus"]), UsageError);
  await assert.rejects(() => main(["--bogus"]), /Unknown option '--bogus' \(see --help\)/);
  await assert.rejects(() => main(["--posts", "many"]), /Cannot parse option --posts: "many"/);
  await assert.rejects(() => main(["--posts", "0"]), RangeError);
});

Deno.test("sample script generates a small corpus and reports it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sample-script-test-" });
  const log = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const summary = await main(["--posts", "8", "--seed", "3", "--out", dir]);
    assert.equal(summary.manifest.counts.posts, 8);
    const text = lines.join("\n");
    assert.equal(text, formatSummary(summary));
    assert.match(text, /posts 8 \(labeled 6, unlabeled 2\)/);
    assert.match(text, new RegExp(summary.manifest.postsSha256));
  } finally {
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
});
