/** Rows of cells as aligned columns under a header, for a terminal or a log (the last column is not padded). */
export function formatTable (header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]): string => cells.map((cell, column) => column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)).join('  ')
  return [line(header), ...rows.map(line)].join('\n')
}

/** Named values one per line, the names aligned: `status    completed`. */
export function formatFields (fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([name]) => name.length))
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')
}
