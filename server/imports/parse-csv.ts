/**
 * CSV as the billing software and French Excel write it: UTF-8 with or without a BOM (or Windows-1252 when the
 * bytes are not UTF-8), `;` or `,` between fields (read from the header line), fields in double quotes when they
 * hold a separator, a quote or a line break, CRLF or LF line ends.
 */
export interface CsvFile {
  /** Column names as written, trimmed. */
  header: string[];
  /** Data lines with their line number in the file (the header is line 1); blank lines left out. */
  rows: { line: number; cells: string[] }[];
  encoding: "utf-8" | "windows-1252";
  separator: ";" | ",";
}

export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvFile["encoding"] } {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ""), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

export function parseCsv(bytes: Uint8Array): CsvFile {
  const { text, encoding } = decodeCsv(bytes);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const separator = count(firstLine, ";") >= count(firstLine, ",") ? ";" : ",";
  const records = splitRecords(text, separator);
  const [head, ...rest] = records;
  return {
    header: (head?.cells ?? []).map((h) => h.trim()),
    rows: rest.filter((r) => r.cells.some((c) => c.trim() !== "")),
    encoding,
    separator,
  };
}

function count(text: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (c === ch && !quoted) n++;
  }
  return n;
}

/** RFC 4180 with a chosen separator; each record keeps the line it starts on. */
function splitRecords(text: string, separator: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (c === separator) {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      records.push({ line: startLine, cells });
      cells = [];
      cell = "";
      line++;
      startLine = line;
    } else {
      cell += c;
    }
  }
  if (cell !== "" || cells.length > 0) {
    cells.push(cell);
    records.push({ line: startLine, cells });
  }
  return records;
}

/**
 * An amount in euros as French Excel writes it ("1 234,56 €", "12,5", "-40", "1234.56") → integer cents, exactly
 * (digits, not floating point). Null when it is not an amount.
 */
export function parseAmountCents(raw: string): number | null {
  const text = raw.replace(/[\s\u00a0\u202f€]/g, "");
  const m = /^([+-]?)(\d+)(?:[.,](\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "0").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

/** `YYYY-MM-DD` or `DD/MM/YYYY` → `YYYY-MM-DD`; null when it is not a real calendar date. */
export function parseDate(raw: string): string | null {
  const text = raw.trim();
  let y: number, mo: number, d: number;
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}
