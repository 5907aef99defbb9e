/** RFC 4180 CSV (quotes, doubled quotes, newlines inside quotes), read line-record by line-record. */

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

export async function* parseCsv(lines: AsyncIterable<string>, delimiter = ","): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  let lineNo = 0;
  let start = 1;
  for await (const raw of lines) {
    lineNo++;
    if (!inQuotes) start = lineNo;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inQuotes) {
        if (c === '"' && line[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') inQuotes = false;
        else field += c;
      } else if (c === '"' && field === "") inQuotes = true;
      else if (c === delimiter) {
        fields.push(field);
        field = "";
      } else field += c;
    }
    if (inQuotes) {
      field += "\n";
      continue;
    }
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "")) yield { line: start, fields };
    fields = [];
    field = "";
  }
  if (inQuotes) {
    throw new SyntaxError(`Cannot parse CSV: a quoted field opened on line ${start} is never closed`);
  }
}

/** Lines of a text file, decoded as UTF-8 (invalid bytes become U+FFFD, flagged later by text checks). */
export async function* readLines(path: string): AsyncGenerator<string> {
  using file = await Deno.open(path);
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of file.readable) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}
