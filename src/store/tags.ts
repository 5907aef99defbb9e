import type { Db } from "./db.ts";

export interface Tag {
  id: number;
  name: string;
  description: string | null;
}

/** Longest tag name, in characters (code points). */
export const TAG_NAME_MAX = 64;

/**
 * What is wrong with `name` as a stored tag name, or undefined when nothing is. Real data sets' names are
 * taken as they are (`film_tv_&_video`, any script, punctuation, spaces inside); a name must be trimmed,
 * NFC, 1-64 characters, free of control characters and lone surrogates, and not "." or ".." (a URL
 * path cannot carry those). Callers normalise with {@linkcode normalizeTagName} first.
 */
export function tagNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (!name.isWellFormed()) return "contains a lone surrogate (broken UTF-16)";
  // deno-lint-ignore no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return "contains a control character";
  if (name !== name.trim()) return "has leading or trailing spaces";
  if (name !== name.normalize("NFC")) return "is not in Unicode NFC form";
  if ([...name].length > TAG_NAME_MAX) return `is longer than ${TAG_NAME_MAX} characters`;
  if (name === "." || name === "..") return "is a dot segment, which URLs cannot carry";
  return undefined;
}

/** `raw` trimmed and NFC-normalised; throws a RangeError saying what is wrong when it cannot be a tag. */
export function normalizeTagName(raw: string): string {
  const name = raw.trim().normalize("NFC");
  const problem = tagNameProblem(name);
  if (problem) throw new RangeError(`invalid label ${JSON.stringify(raw.slice(0, 80))}: the name ${problem}`);
  return name;
}

/** Returns name → id for every name, creating the tags that do not exist yet. */
export async function ensureTags(
  db: Db,
  names: string[],
  descriptions: Record<string, string> = {},
): Promise<Map<string, number>> {
  for (const name of names) {
    const problem = tagNameProblem(name);
    if (problem) {
      throw new RangeError(`Cannot create tag ${JSON.stringify(name.slice(0, 80))}: the name ${problem}`);
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
