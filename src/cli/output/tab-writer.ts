/**
 * Aligns tab-separated lines into columns like Go's text/tabwriter
 * (minwidth, padding, space padding; the last cell of a line is not padded).
 */
export function alignColumns(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length - 1; i++) {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(minWidth, [...r[i]!].length + padding));
    }
  }
  const out = rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i]! - [...c].length) : c)).join(''));
  return out.join('\n') + (trailingNewline ? '\n' : '');
}
