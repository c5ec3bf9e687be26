import { PDFDocument, StandardFonts, rgb } from "pdf-lib";
import { formatDateFr } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import { A4, INK, LEFT, MM, MUTED, PageWriter, printable, RIGHT, WIDTH, type Fonts } from "../pdf";
import { INVOICE_TABLE } from "./compose";
import type { LetterContent } from "./messaging.sql";

/**
 * A letter as an A4 PDF: the site's letterhead, the address block where a French window envelope shows it
 * (right-hand window, 100 mm from the left edge, 50 mm from the top), place and date, the subject, the text with
 * the table of invoices and the total where it lists them, the signature. A formal notice carries its heading and
 * its sending mode; a registered letter prints in its three copies, each marked.
 */

function drawInvoiceTable(w: PageWriter, letter: LetterContent, fonts: Fonts): void {
  const cols = [LEFT + 4 * MM, LEFT + 70 * MM, RIGHT - 4 * MM];
  w.need(30);
  w.page.drawRectangle({ x: LEFT, y: w.y - 16, width: WIDTH, height: 18, color: rgb(0.93, 0.95, 0.97) });
  const head = (t: string, x: number, right = false) => {
    const size = 9.5;
    const width = fonts.bold.widthOfTextAtSize(t, size);
    w.page.drawText(printable(t, fonts.bold), { x: right ? x - width : x, y: w.y - 11, size, font: fonts.bold, color: INK });
  };
  head("Facture", cols[0]!);
  head("Échéance", cols[1]!);
  head("Reste dû", cols[2]!, true);
  w.y -= 20;
  for (const i of letter.invoices) {
    w.need(16);
    const size = 10;
    const amount = printable(formatEurosPlain(i.remainingCents), fonts.regular);
    w.page.drawText(printable(i.ref, fonts.regular), { x: cols[0]!, y: w.y - 11, size, font: fonts.regular, color: INK });
    w.page.drawText(formatDateFr(i.dueDate), { x: cols[1]!, y: w.y - 11, size, font: fonts.regular, color: INK });
    w.page.drawText(amount, { x: cols[2]! - fonts.regular.widthOfTextAtSize(amount, size), y: w.y - 11, size, font: fonts.regular, color: INK });
    w.y -= 16;
    w.page.drawLine({ start: { x: LEFT, y: w.y + 2 }, end: { x: RIGHT, y: w.y + 2 }, thickness: 0.4, color: rgb(0.85, 0.87, 0.9) });
  }
  w.need(20);
  const total = printable(`Total dû : ${formatEurosPlain(letter.totalCents)}`, fonts.bold);
  w.page.drawText(total, { x: cols[2]! - fonts.bold.widthOfTextAtSize(total, 11), y: w.y - 14, size: 11, font: fonts.bold, color: INK });
  w.y -= 26;
}

async function drawLetter(doc: PDFDocument, fonts: Fonts, letter: LetterContent, copy: string): Promise<void> {
  const footer = `${letter.from.name}${letter.from.phone ? ` — ${letter.from.phone}` : ""} — Exemplaire : ${copy}`;
  const w = new PageWriter(doc, fonts, (page, total) => ({ left: `${footer}${total > 1 ? ` — page ${page}/${total}` : ""}` }));
  // Letterhead, top left.
  w.text(letter.from.name, { size: 15, bold: true, width: 80 * MM });
  w.text(letter.from.address, { size: 9.5, color: MUTED, width: 80 * MM });
  if (letter.from.phone) w.text(`Tél. ${letter.from.phone}`, { size: 9.5, color: MUTED, width: 80 * MM });
  // Address block in the envelope window.
  w.y = A4.height - 50 * MM;
  for (const line of letter.address) w.text(line, { x: 105 * MM, size: 11, width: 85 * MM });
  // Place and date, then the subject.
  w.y = Math.min(w.y, A4.height - 88 * MM);
  w.text(letter.placeAndDate, { align: "right", gap: 10 });
  if (letter.formalNotice) {
    w.text("MISE EN DEMEURE", { size: 14, bold: true, align: "center", gap: 2 });
    w.text(copy === "Lettre simple" ? "Copie adressée par lettre simple" : "Lettre recommandée avec accusé de réception", { size: 9.5, align: "center", color: MUTED, gap: 8 });
  } else if (copy === "Lettre recommandée avec AR") {
    w.text("Lettre recommandée avec accusé de réception", { size: 9.5, color: MUTED, gap: 4 });
  }
  w.text(`Objet : ${letter.subject}`, { bold: true, gap: 10 });
  // The text, with the invoices where it lists them.
  const [before, after] = letter.body.includes(INVOICE_TABLE) ? letter.body.split(INVOICE_TABLE) : [letter.body, null];
  for (const paragraph of before!.split(/\n{2,}/)) w.text(paragraph, { gap: 7 });
  if (after !== null || letter.invoices.length > 0) drawInvoiceTable(w, letter, fonts);
  for (const paragraph of (after ?? "").split(/\n{2,}/).filter((p) => p.trim())) w.text(paragraph, { gap: 7 });
  // Signature, right.
  w.need(36);
  w.y -= 8;
  w.text(letter.signature, { x: 110 * MM, width: 80 * MM, bold: true });
  if (!letter.signature.includes(letter.from.name)) w.text(letter.from.name, { x: 110 * MM, width: 80 * MM, color: MUTED });
  w.finish();
}

/** The letter's PDF: one copy, or the three copies of a registered letter one after the other. */
export async function renderLetterPdf(letters: readonly LetterContent[], options: { title?: string } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(options.title ?? letters[0]?.subject ?? "Courrier");
  doc.setCreator("Cadenas");
  doc.setLanguage("fr-FR");
  // A fixed date: the same letter renders to the same bytes.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  for (const letter of letters) for (const copy of letter.copies) await drawLetter(doc, fonts, letter, copy);
  return doc.save();
}
