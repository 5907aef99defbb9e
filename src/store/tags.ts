import type { Db } from "./db.ts";

export interface Tag {
  id: number;
  name: string;
  description: string | null;
}

const TAG_NAME = /^[\p{L}\p{N}][\p{L}\p{N}_\-.: ]{0,63}$/u;

/** Returns name → id for every name, creating the tags that do not exist yet. */
export async function ensureTags(
  db: Db,
  names: string[],
  descriptions: Record<string, string> = {},
): Promise<Map<string, number>> {
  for (const name of names) {
    if (!TAG_NAME.test(name)) {
      throw new RangeError(
        `Cannot create tag "${name}": use 1-64 letters, digits, "_", "-", ".", ":" or spaces`,
      );
    }
  }
  if (names.length > 0) {
    await db.query(
      `insert into tags (name, description)
       select n, $2::jsonb ->> n from unnest($1::text[]) as t(n)
       on conflict (name) do update set description = coalesce(excluded.description, tags.description)`,
      [names, JSON.stringify(descriptions)],
    );
  }
  const rows = await db.query<{ id: number; name: string }>(
    "select id, name from tags where name = any($1::text[])",
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}

export async function listTags(db: Db): Promise<Tag[]> {
  return await db.query<Tag & Record<string, unknown>>("select id, name, description from tags order by id");
}
