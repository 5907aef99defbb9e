/**
 * The seed's wide form — one row per labeled post, a 0/1 column per tag — as the view `labels_wide`,
 * rebuilt from the tag vocabulary (a view's columns are fixed when it is created), and as CSV.
 */
import type { Db } from "./db.ts";
import { listTags } from "./tags.ts";

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** (Re)creates `labels_wide` with one column per tag: 1 when any annotator gave the tag, else 0. */
export async function refreshLabelsWide(db: Db): Promise<string[]> {
  const tags = await listTags(db);
  const columns = tags.map((t) =>
    `coalesce(max(case when l.tag_id = ${t.id} and l.value then 1 end), 0) as ${quoteIdent(t.name)}`
  );
  await db.transaction(async (tx) => {
    await tx.exec("drop view if exists labels_wide");
    await tx.exec(
      `create view labels_wide as
       select p.id as post_id, p.platform, p.source, p.created_at, p.split${
        columns.map((c) => `, ${c}`).join("")
      }
       from posts p join labels l on l.post_id = p.id
       group by p.id`,
    );
  });
  return tags.map((t) => t.name);
}

/** Writes the wide view as CSV (header + one line per labeled post); returns the number of rows. */
export async function exportLabelsWideCsv(db: Db, path: string): Promise<number> {
  await refreshLabelsWide(db);
  const rows = await db.query("select * from labels_wide order by created_at, post_id");
  const header = rows.length > 0
    ? Object.keys(rows[0])
    : ["post_id", "platform", "source", "created_at", "split"];
  const cell = (v: unknown) => {
    const s = v instanceof Date ? v.toISOString() : v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [header.map(cell).join(","), ...rows.map((r) => header.map((h) => cell(r[h])).join(","))];
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, lines.join("\n") + "\n");
  await Deno.rename(tmp, path);
  return rows.length;
}
