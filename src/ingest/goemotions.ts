/**
 * The GoEmotions data set (Reddit comments, 27 emotions + neutral, CC BY 4.0): `train.tsv`, `dev.tsv`,
 * `test.tsv` as `text <TAB> label indices <TAB> comment id`, names in `labels.txt`. Its own split is kept
 * (train/dev/test) so training can use it; it has no timestamps, so `createdAt` stays empty.
 */
import { join } from "node:path";
import { readLines } from "./_csv_parse.ts";
import { post, skip, type SourceItem } from "./source_item.ts";

export const GOEMOTIONS_SPLITS = ["train", "dev", "test"] as const;

export async function* readGoEmotions(dir: string): AsyncGenerator<SourceItem> {
  const names = (await Deno.readTextFile(join(dir, "labels.txt"))).split("\n").map((s) => s.trim()).filter(
    Boolean,
  );
  for (const split of GOEMOTIONS_SPLITS) {
    const file = join(dir, `${split}.tsv`);
    let line = 0;
    for await (const row of readLines(file)) {
      line++;
      if (!row.trim()) continue;
      const where = `${file}:${line}`;
      const [text, ids, commentId] = row.split("\t");
      if (!commentId?.trim()) {
        yield skip(where, "malformed row: expected text, label ids and comment id separated by tabs");
        continue;
      }
      const indices = ids.split(",").map(Number);
      const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= names.length);
      if (bad !== undefined) {
        yield skip(where, `unknown label index "${ids}" (labels.txt has ${names.length})`, commentId);
        continue;
      }
      yield post({
        platform: "reddit",
        nativeId: commentId.trim(),
        text,
        lang: "en",
        media: [],
        user: {},
        labels: indices.map((i) => names[i]),
        annotator: "goemotions",
        split,
      }, where);
    }
  }
}
