/** Prints rows as an aligned text table (numbers right-aligned). */
export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: unknown[]) =>
    vals.map((v, i) => (typeof v === "number" ? cell(v).padStart(width[i]) : cell(v).padEnd(width[i]))).join(
      "  ",
    );
  console.log(line(cols));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}
