import { PDFDocument, StandardFonts, rgb, type PDFImage } from "pdf-lib";
import { formatDateFr } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import { A4, INK, LEFT, MM, MUTED, PageWriter, printable, RIGHT, WIDTH, wrap, type Fonts, type TextOptions } from "../pdf";
import { INVOICE_TABLE } from "./compose";
import { LETTER_COPY, legalMentions, privacyNotice } from "../../shared/messaging/compose";
import { postalAddress } from "../../shared/messaging/postal";
import type { LetterContent } from "./messaging.sql";

/**
 * A letter as an A4 PDF: the site's letterhead, the address block where a French window envelope shows it
 * (right-hand window, 100 mm from the left edge, 50 mm from the top), place and date, the subject, the text with
 * the table of invoices and the total where it lists them, the signature. A formal notice carries its heading and
 * its sending mode; a registered letter prints in its three copies, each marked. The site's logo heads the
 * letterhead and its legal mentions (company, SIRET, RCS, registered office) run above the foot of every page.
 *
 * Each copy says how it goes, and only that: the registered one "Lettre recommandée avec accusé de réception", its
 * copy "Copie adressée par lettre simple", the file copy "Exemplaire dossier"; a simple letter never says
 * "recommandée". The address's last line is in capitals as La Poste asks, and the closing paragraph goes with the
 * signature to the next page when they do not both fit: a signature is never alone on a last page.
 */

/** A site's logo as the letters print it. */
export interface LogoImage {
  bytes: Uint8Array;
  type: "image/png" | "image/jpeg";
}

/** The logos a batch of letters may print, by SHA-256 (`Letterhead.logoSha256`). */
export type Logos = ReadonlyMap<string, LogoImage>;

/** Space above the signature, and the most a page holds between its top margin and its footer. */
const SIGNATURE_SPACE = 8;
/** The text's paragraphs: a formal notice, its invoices, how to pay, the signature and the notice fit on one page. */
const PARAGRAPH: TextOptions = { size: 10, gap: 6 };
/** The personal-data notice under the signature: small and muted. */
const NOTICE: TextOptions = { size: 6.5, color: MUTED };
const NOTICE_SPACE = 3 * MM;
const PAGE_ROOM = A4.height - 25 * MM - PageWriter.BOTTOM;

/** The text cut with "…" to fit `width` at `size` (a long fee label in the table's cell). */
function fitted(text: string, fonts: Fonts, size: number, width: number): string {
  if (fonts.regular.widthOfTextAtSize(text, size) <= width) return text;
  let cut = text;
  while (cut.length > 1 && fonts.regular.widthOfTextAtSize(`${cut}…`, size) > width) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** The logo's box, top left: it never reaches the address block's height. */
const LOGO_MAX = { width: 50 * MM, height: 16 * MM, top: 12 * MM };

function drawInvoiceTable(w: PageWriter, letter: LetterContent, fonts: Fonts): void {
  // Facture | Désignation (what it bills: the rent, a fee by its label) | Échéance | Reste dû.
  const described = letter.invoices.some((i) => i.description);
  const cols = described ? [LEFT + 4 * MM, LEFT + 36 * MM, LEFT + 112 * MM, RIGHT - 4 * MM] : [LEFT + 4 * MM, LEFT + 70 * MM, LEFT + 70 * MM, RIGHT - 4 * MM];
  w.need(30);
  w.page.drawRectangle({ x: LEFT, y: w.y - 16, width: WIDTH, height: 18, color: rgb(0.93, 0.95, 0.97) });
  const head = (t: string, x: number, right = false) => {
    const size = 9.5;
    const width = fonts.bold.widthOfTextAtSize(t, size);
    w.page.drawText(printable(t, fonts.bold), { x: right ? x - width : x, y: w.y - 11, size, font: fonts.bold, color: INK });
  };
  head("Facture", cols[0]!);
  if (described) head("Désignation", cols[1]!);
  head("Échéance", cols[2]!);
  head("Reste dû", cols[3]!, true);
  w.y -= 20;
  for (const i of letter.invoices) {
    w.need(16);
    const size = 10;
    const amount = printable(formatEurosPlain(i.remainingCents), fonts.regular);
    w.page.drawText(printable(i.ref, fonts.regular), { x: cols[0]!, y: w.y - 11, size, font: fonts.regular, color: INK });
    if (described && i.description) {
      const text = fitted(printable(i.description, fonts.regular), fonts, 9, cols[2]! - cols[1]! - 3 * MM);
      w.page.drawText(text, { x: cols[1]!, y: w.y - 11, size: 9, font: fonts.regular, color: INK });
    }
    w.page.drawText(formatDateFr(i.dueDate), { x: cols[2]!, y: w.y - 11, size, font: fonts.regular, color: INK });
    w.page.drawText(amount, { x: cols[3]! - fonts.regular.widthOfTextAtSize(amount, size), y: w.y - 11, size, font: fonts.regular, color: INK });
    w.y -= 16;
    w.page.drawLine({ start: { x: LEFT, y: w.y + 2 }, end: { x: RIGHT, y: w.y + 2 }, thickness: 0.4, color: rgb(0.85, 0.87, 0.9) });
  }
  w.need(20);
  const total = printable(`Total dû : ${formatEurosPlain(letter.totalCents)}`, fonts.bold);
  w.page.drawText(total, { x: cols[3]! - fonts.bold.widthOfTextAtSize(total, 11), y: w.y - 14, size: 11, font: fonts.bold, color: INK });
  w.y -= 26;
}

/** What a copy says of how it goes: above the subject (null: nothing), and at the foot of each page. */
export function copyMarks(letter: LetterContent, copy: string): { heading: string | null; footer: string } {
  const registered = letter.copies.includes(LETTER_COPY.registered);
  switch (copy) {
    case LETTER_COPY.registered:
      return { heading: "Lettre recommandée avec accusé de réception", footer: `Exemplaire : ${copy}` };
    case LETTER_COPY.file:
      return { heading: "Exemplaire dossier — copie de la lettre envoyée en recommandé avec accusé de réception", footer: `Exemplaire : ${copy}` };
    case LETTER_COPY.email:
      return { heading: letter.formalNotice ? "Copie jointe au courriel" : null, footer: "Copie jointe au courriel" };
    default:
      // The simple copy of a registered letter, or a letter sent by simple post (an older one says "Original").
      if (registered) return { heading: "Copie adressée par lettre simple", footer: `Exemplaire : ${LETTER_COPY.simple}` };
      return { heading: letter.formalNotice ? "Lettre simple" : null, footer: LETTER_COPY.simple };
  }
}

async function drawLetter(doc: PDFDocument, fonts: Fonts, letter: LetterContent, copy: string, logo: PDFImage | null): Promise<void> {
  const marks = copyMarks(letter, copy);
  const footer = `${letter.from.name}${letter.from.phone ? ` — ${letter.from.phone}` : ""} — ${marks.footer}`;
  const w = new PageWriter(doc, fonts, (page, total) => ({ left: `${footer}${total > 1 ? ` — page ${page}/${total}` : ""}` }));
  // Letterhead, top left: the logo above the site's name.
  if (logo) {
    const scale = Math.min(LOGO_MAX.width / logo.width, LOGO_MAX.height / logo.height, 1);
    const height = logo.height * scale;
    w.page.drawImage(logo, { x: LEFT, y: A4.height - LOGO_MAX.top - height, width: logo.width * scale, height });
    w.y = A4.height - LOGO_MAX.top - height - 3 * MM;
  }
  w.text(letter.from.name, { size: 15, bold: true, width: 80 * MM });
  w.text(letter.from.address, { size: 9.5, color: MUTED, width: 80 * MM });
  if (letter.from.phone) w.text(`Tél. ${letter.from.phone}`, { size: 9.5, color: MUTED, width: 80 * MM });
  // Address block in the envelope window.
  w.y = A4.height - 50 * MM;
  for (const line of postalAddress(letter.address)) w.text(line, { x: 105 * MM, size: 11, width: 85 * MM });
  // Place and date, then the subject.
  w.y = Math.min(w.y, A4.height - 82 * MM);
  w.text(letter.placeAndDate, { align: "right", gap: 4 });
  // The references the customer quotes when they answer or pay, under the date.
  const references = letter.references ?? [];
  if (references.length) w.text(references.map((r) => `${r.label} : ${r.value}`).join(" · "), { size: 8.5, color: MUTED, align: "right" });
  w.y -= 6;
  if (letter.formalNotice) {
    w.text("MISE EN DEMEURE", { size: 14, bold: true, align: "center", gap: marks.heading ? 2 : 8 });
    if (marks.heading) w.text(marks.heading, { size: 9.5, align: "center", color: MUTED, gap: 8 });
  } else if (marks.heading) {
    w.text(marks.heading, { size: 9.5, color: MUTED, gap: 4 });
  }
  w.text(`Objet : ${letter.subject}`, { bold: true, gap: 10 });
  // The text, with the invoices where it lists them.
  const [before, after] = letter.body.includes(INVOICE_TABLE) ? letter.body.split(INVOICE_TABLE) : [letter.body, null];
  const paragraphs = (text: string) => text.split(/\n{2,}/).filter((p) => p.trim());
  const table = after !== null || letter.invoices.length > 0;
  const first = paragraphs(before!);
  const last = paragraphs(after ?? "");
  // The closing paragraphs are kept with the signature: the salutation ("Veuillez agréer…") and the paragraph before
  // it, so a signature never stands on a last page with only a formula of politeness (never across the table).
  const pool = last.length > 0 ? last : table ? [] : first;
  const closing = pool.splice(Math.max(0, pool.length - 2));
  for (const paragraph of first) w.text(paragraph, PARAGRAPH);
  if (table) drawInvoiceTable(w, letter, fonts);
  if (letter.payment) w.text(letter.payment, PARAGRAPH);
  for (const paragraph of last) w.text(paragraph, PARAGRAPH);
  // Signature, right: the signatory, their title, and whom they sign for.
  const head = letter.letterhead;
  const company = head?.legalName ?? letter.from.name;
  const signature: [string, TextOptions][] = [
    [letter.signature, { x: 110 * MM, width: 80 * MM, bold: true }],
    ...(head?.signatoryTitle && letter.signature === head.signatoryName ? [[head.signatoryTitle, { x: 110 * MM, width: 80 * MM }] as [string, TextOptions]] : []),
    ...(!letter.signature.includes(company) ? [[company, { x: 110 * MM, width: 80 * MM, color: MUTED }] as [string, TextOptions]] : []),
  ];
  // The personal-data notice, small, after the signature and with it: not part of what the letter says.
  const notice = privacyNotice({ id: null, name: letter.from.name, address: letter.from.address, city: "", phone: letter.from.phone, legalName: head?.legalName ?? null });
  const block =
    closing.reduce((h, p) => h + w.height(p, PARAGRAPH), 0) + SIGNATURE_SPACE + signature.reduce((h, [t, o]) => h + w.height(t, o), 0) + NOTICE_SPACE + w.height(notice, NOTICE);
  // Both on the next page when they do not fit here (unless together they would not fit on any page).
  if (block <= PAGE_ROOM) w.need(block);
  for (const paragraph of closing) w.text(paragraph, PARAGRAPH);
  w.need(SIGNATURE_SPACE + w.height(signature[0]![0], signature[0]![1]));
  w.y -= SIGNATURE_SPACE;
  for (const [text, options] of signature) w.text(text, options);
  w.y -= NOTICE_SPACE;
  w.text(notice, NOTICE);
  w.finish();
  drawLegalMentions(w, fonts, letter);
}

/** "SAS X — SIRET … — RCS … — Siège social : …", above the foot of each page, when the site has them (letters, statements). */
export function drawLegalMentions(w: PageWriter, fonts: Fonts, from: Pick<LetterContent, "letterhead">): void {
  const mentions = from.letterhead ? legalMentions(from.letterhead) : null;
  if (!mentions) return;
  const size = 7.5;
  const lines = wrap(printable(mentions, fonts.regular), fonts.regular, size, WIDTH).slice(0, 2);
  for (const page of w.pages) {
    lines.forEach((line, i) => {
      const width = fonts.regular.widthOfTextAtSize(line, size);
      page.drawText(line, { x: LEFT + (WIDTH - width) / 2, y: 22 * MM - i * size * 1.3, size, font: fonts.regular, color: MUTED });
    });
  }
}

/** Where each copy of each letter is in a rendered PDF: its first page (from 0) and how many pages it takes. */
export interface CopyPages {
  copy: string;
  first: number;
  count: number;
}

/** The letters' PDF, and for each letter where its copies are: a simple letter once, a registered one in 3 copies. */
export async function renderLetters(
  letters: readonly LetterContent[],
  options: { title?: string; logos?: Logos } = {},
): Promise<{ bytes: Uint8Array; doc: PDFDocument; copies: CopyPages[][] }> {
  const doc = await newLetterDocument(options.title ?? letters[0]?.subject ?? "Courrier");
  const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  // Each logo embedded once, however many letters print it.
  const embedded = new Map<string, PDFImage | null>();
  const logoOf = async (sha: string | null | undefined): Promise<PDFImage | null> => {
    const image = sha ? options.logos?.get(sha) : undefined;
    if (!sha || !image) return null;
    if (!embedded.has(sha)) embedded.set(sha, await (image.type === "image/png" ? doc.embedPng(image.bytes) : doc.embedJpg(image.bytes)).catch(() => null));
    return embedded.get(sha)!;
  };
  const copies: CopyPages[][] = [];
  for (const letter of letters) {
    const logo = await logoOf(letter.letterhead?.logoSha256);
    const pages: CopyPages[] = [];
    for (const copy of letter.copies) {
      const first = doc.getPageCount();
      await drawLetter(doc, fonts, letter, copy, logo);
      pages.push({ copy, first, count: doc.getPageCount() - first });
    }
    copies.push(pages);
  }
  return { bytes: await doc.save(), doc, copies };
}

/** The letter's PDF: one copy, or the three copies of a registered letter one after the other. */
export async function renderLetterPdf(letters: readonly LetterContent[], options: { title?: string; logos?: Logos } = {}): Promise<Uint8Array> {
  return (await renderLetters(letters, options)).bytes;
}

/** Some pages of a rendered PDF as a PDF of their own (one letter's copies out of a batch). */
export async function pagesOf(from: PDFDocument, pages: readonly number[], title: string): Promise<Uint8Array> {
  const doc = await newLetterDocument(title);
  for (const page of await doc.copyPages(from, [...pages])) doc.addPage(page);
  return doc.save();
}

async function newLetterDocument(title: string): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setCreator("Cadenas");
  doc.setLanguage("fr-FR");
  // A fixed date: the same letter renders to the same bytes (the letter carries its own date).
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  return doc;
}
