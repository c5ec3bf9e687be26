import ExcelJS from "exceljs";
import type { FollowUpRow } from "../../shared/schemas/follow-up";
import { followUpColumns, type ExportCell } from "./export";

/**
 * The follow-up table's current view as an Excel workbook, from the same columns as the CSV (`followUpColumns`):
 * amounts as numbers in euros, dates as date cells, yes/no as "oui"/"non". Text is always written as a text cell
 * (a shared string), never as a formula: a name typed `=HYPERLINK(…)` in the billing software stays that text.
 */
export async function followUpXlsx(rows: readonly FollowUpRow[], timeZone: string): Promise<Uint8Array> {
  const columns = followUpColumns(timeZone);
  const book = new ExcelJS.Workbook();
  book.creator = "Cadenas";
  const sheet = book.addWorksheet("Suivi des impayés", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.header, width: Math.max(10, c.header.length + 2) }));
  sheet.getRow(1).font = { bold: true };
  for (const r of rows) {
    const row = sheet.addRow(columns.map((c) => valueOf(c.cell(r))));
    columns.forEach((c, i) => {
      const format = formatOf(c.cell(r));
      if (format) row.getCell(i + 1).numFmt = format;
    });
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  return new Uint8Array(await book.xlsx.writeBuffer());
}

const EUROS = '#,##0.00 "€"';
const DAY = "dd/mm/yyyy";

function valueOf(cell: ExportCell): ExcelJS.CellValue {
  if (cell === null) return null;
  // A string is written as a shared string (t="s"): Excel never evaluates it, whatever it starts with.
  if ("text" in cell) return cell.text;
  if ("cents" in cell) return cell.cents / 100;
  // Midnight UTC of the day: exceljs turns a Date into Excel's day number from its UTC value.
  if ("day" in cell) return new Date(`${cell.day}T00:00:00Z`);
  if ("count" in cell) return cell.count;
  return cell.yes ? "oui" : "non";
}

function formatOf(cell: ExportCell): string | null {
  if (cell === null) return null;
  if ("cents" in cell) return EUROS;
  if ("day" in cell) return DAY;
  return null;
}
