import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAmountCents, parseCsv, parseDate } from "../../../server/imports/parse-csv";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("CSV as French Excel writes it", () => {
  it("reads a BOM, semicolons, quotes with separators inside, CRLF, and skips blank lines", () => {
    const file = parseCsv(readFileSync("tests/fixtures/imports/customers.csv"));
    expect(file.separator).toBe(";");
    expect(file.encoding).toBe("utf-8");
    expect(file.header[0]).toBe("customer_ref");
    expect(file.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(file.rows[1]!.cells[2]).toBe("Transports Martin; fils");
    expect(file.rows[1]!.cells[5]).toBe("12, quai Perrache");
    expect(parseCsv(bytes("a,b\n1,2\n\n3,\"x\"\"y\"\n")).rows).toEqual([
      { line: 2, cells: ["1", "2"] },
      { line: 4, cells: ["3", 'x"y'] },
    ]);
  });

  it("keeps line numbers right across a line break inside quotes", () => {
    const file = parseCsv(bytes('ref;text\r\nA;"deux\r\nlignes"\r\nB;fin\r\n'));
    expect(file.rows).toEqual([
      { line: 2, cells: ["A", "deux\r\nlignes"] },
      { line: 4, cells: ["B", "fin"] },
    ]);
  });

  it("falls back to Windows-1252 when the bytes are not UTF-8", () => {
    const file = parseCsv(readFileSync("tests/fixtures/imports/customers-cp1252.csv"));
    expect(file.encoding).toBe("windows-1252");
    expect(file.rows[0]!.cells).toEqual(["IMP004", "person", "François Léger", "chèque"]);
  });

  it.each([
    ["1 234,56 €", 123_456],
    ["1\u202f234,56", 123_456],
    ["12,5", 1_250],
    ["89", 8_900],
    ["-10,00", -1_000],
    ["0,07", 7],
    ["1234.56", 123_456],
  ])("reads the amount %s as %i cents", (raw, cents) => {
    expect(parseAmountCents(raw)).toBe(cents);
  });

  it.each(["abc", "12,345", "1.2.3", "", "12 €€x"])("refuses %s as an amount", (raw) => {
    expect(parseAmountCents(raw)).toBeNull();
  });

  it("reads both date forms and refuses dates that do not exist", () => {
    expect(parseDate("05/03/2026")).toBe("2026-03-05");
    expect(parseDate("5/3/2026")).toBe("2026-03-05");
    expect(parseDate("2026-03-05")).toBe("2026-03-05");
    expect(parseDate("29/02/2028")).toBe("2028-02-29");
    for (const bad of ["31/02/2026", "2026-13-01", "32/01/2026", "05-03-2026", "hier"]) expect(parseDate(bad), bad).toBeNull();
  });
});
