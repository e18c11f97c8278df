/** Rows (a header first) as left-aligned columns two spaces apart, one line each, as the list commands print them. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const pad = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]));
  return rows.map((r) => `${pad(r).join("  ").trimEnd()}\n`).join("");
}
