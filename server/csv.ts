/**
 * A text cell of a CSV for French Excel (`;`-separated). A cell Excel would read as a formula (= + - @, tab, CR
 * first) gets a leading apostrophe: names, refs and labels come from files and people, and a customer named
 * `=HYPERLINK(…)` must not become a live link in the office's spreadsheet. Numbers are written as they are.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
