/** Plain text tables for list commands: columns padded to their widest cell. */
export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  // Numbers and booleans print the same either way; objects as JSON, not "[object Object]".
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
