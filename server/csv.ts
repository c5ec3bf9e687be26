/**
 * A text cell of a CSV for French Excel (`;`-separated). A cell Excel would read as a formula (= + - @, tab, CR
 * first) gets a leading apostrophe: names, refs and labels come from files and people, and a customer named
 * `=HYPERLINK(…)` must not become a live link in the office's spreadsheet. Numbers are written as they are.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * A whole CSV file for French Excel: a BOM so accents show, `;` between cells, CRLF. Text cells must already be
 * `csvCell`-neutralised by the caller; dates and amounts stay values.
 */
export function csvFile(rows: readonly (readonly string[])[]): string {
  return `\uFEFF${rows.map((r) => r.join(";")).join("\r\n")}\r\n`;
}

/** An amount in cents as French Excel reads a number: `1234,50`, negative with a minus. */
export function csvEuros(cents: number): string {
  return (cents / 100).toFixed(2).replace(".", ",");
}
