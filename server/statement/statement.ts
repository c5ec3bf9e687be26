import { asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { PDFDocument, StandardFonts, rgb, type PDFImage } from "pdf-lib";
import { v7 as uuidv7 } from "uuid";
import { formatDateFr, type CalendarDate } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import { defaultSignature, privacyNotice, type Addressee } from "../../shared/messaging/compose";
import { postalAddress } from "../../shared/messaging/postal";
import type { StatementEmailResponse } from "../../shared/schemas/statement";
import { statementAt, type Statement } from "../../shared/statement";
import { invoices, payments } from "../billing/billing.sql";
import type { Database, Transaction } from "../db/client";
import { AppError } from "../errors";
import { row, heading } from "../evidence/pack";
import { loadAddressees } from "../messaging/compose";
import { drawLegalMentions } from "../messaging/letter-pdf";
import { messages, type MessageAttachment } from "../messaging/messaging.sql";
import { customerSiteIds } from "../messaging/outbox";
import { A4, INK, LEFT, MM, MUTED, PageWriter, printable, WIDTH, wrap, type Fonts } from "../pdf";
import { logosOf } from "../sites/sites";

/**
 * The statement of account as a PDF (*relevé de compte*): the site's letterhead, the customer's address where a window
 * envelope shows it, every invoice, payment, credit note and write-off up to the date with the running balance, the
 * balance at the date, and what falls due later. The lines come from `statementAt` (shared/statement.ts); this file
 * reads the ledger and draws. Downloaded by the office and the sites' people, put in the evidence pack and the
 * hand-over's ZIP, and attached to an e-mail when it goes (`attachmentsOf`).
 */

type Db = Database | Transaction;

export interface StatementFile {
  /** `releve-CL1003-2026-11-22.pdf` */
  fileName: string;
  bytes: Uint8Array;
  statement: Statement;
}

/** The customer's statement at `at`, from their ledger as it stands. */
export async function customerStatement(db: Db, customerId: string, at: CalendarDate): Promise<Statement> {
  const settled = alias(invoices, "settled");
  const settledPaid = alias(invoices, "paid_invoice");
  const [invoiceRows, paymentRows] = await Promise.all([
    db
      .select({ ref: invoices.ref, kind: invoices.kind, issueDate: invoices.issueDate, dueDate: invoices.dueDate, amountCents: invoices.amountCents, label: invoices.label, appliesToRef: settled.ref })
      .from(invoices)
      .leftJoin(settled, eq(settled.id, invoices.appliesToId))
      .where(eq(invoices.customerId, customerId))
      .orderBy(asc(invoices.dueDate), asc(invoices.ref)),
    db
      .select({ ref: payments.ref, date: payments.date, amountCents: payments.amountCents, method: payments.method, status: payments.status, invoiceRef: settledPaid.ref })
      .from(payments)
      .leftJoin(settledPaid, eq(settledPaid.id, payments.invoiceId))
      .where(eq(payments.customerId, customerId))
      .orderBy(asc(payments.date), asc(payments.ref)),
  ]);
  return statementAt(invoiceRows, paymentRows, at);
}

/** The statement's PDF at `at`; NOT_FOUND for an unknown customer. */
export async function statementPdf(db: Db, customerId: string, at: CalendarDate): Promise<StatementFile> {
  const person = await addresseeOf(db, customerId, at);
  const statement = await customerStatement(db, customerId, at);
  const logos = await logosOf(db, [person.site.id]);
  const sha = person.site.letterhead?.logoSha256;
  const logo = sha ? (logos.get(sha) ?? null) : null;
  const bytes = await renderStatement(person, statement, logo);
  return { fileName: `releve-${person.ref.replace(/[^A-Za-z0-9_-]+/g, "_")}-${at}.pdf`, bytes, statement };
}

/**
 * Puts an e-mail to the customer in the outbox, with their statement at `at` attached when it goes (so that it is
 * current then). The usual checks run when it goes (`reasonNotToSend`); one e-mail per customer and date: a second
 * request answers the first (`alreadyQueued`).
 */
export async function queueStatementEmail(db: Database, customerId: string, at: CalendarDate, today: CalendarDate): Promise<StatementEmailResponse> {
  const key = `statement:${customerId}|${at}`;
  const [queued] = await db.select({ id: messages.id, recipient: messages.recipient, status: messages.status }).from(messages).where(eq(messages.idempotencyKey, key));
  if (queued) return { messageId: queued.id, at, recipient: queued.recipient, status: queued.status, alreadyQueued: true };
  const person = await addresseeOf(db, customerId, today);
  if (!person.email) throw new AppError("CONFLICT", "Pas d'adresse e-mail pour ce client : imprimez le relevé et envoyez-le par courrier.");
  const statement = await customerStatement(db, customerId, at);
  const siteId = person.site.id ?? (await customerSiteIds(db, [customerId])).get(customerId) ?? null;
  const site = person.site;
  const owed = statement.balanceCents;
  const standing =
    owed > 0 ? `À cette date, vous restez nous devoir ${formatEurosPlain(owed)}.` : owed < 0 ? `À cette date, votre compte est créditeur de ${formatEurosPlain(-owed)}.` : "À cette date, votre compte est soldé.";
  const contact = site.phone ? ` ou appelez-nous au ${site.phone}` : "";
  const body = [
    `Bonjour ${person.name},`,
    `Veuillez trouver ci-joint votre relevé de compte au ${formatDateFr(at)} : vos factures, vos paiements et le solde de votre compte.`,
    standing,
    `Pour toute question, répondez à ce courriel${contact}.`,
    `Cordialement,\n${defaultSignature(site)}`,
    `--\n${privacyNotice(site)}`,
  ].join("\n\n");
  const id = uuidv7();
  const attachments: MessageAttachment[] = [{ kind: "statement", at }];
  const inserted = await db
    .insert(messages)
    .values({
      id,
      caseId: null,
      customerId,
      channel: "email",
      purpose: "floor",
      siteId,
      recipient: person.email,
      senderName: site.senderName ?? site.name,
      subject: `Votre relevé de compte au ${formatDateFr(at)}`,
      body,
      attachments,
      idempotencyKey: key,
    })
    .onConflictDoNothing()
    .returning({ id: messages.id });
  if (inserted.length === 0) return queueStatementEmail(db, customerId, at, today);
  return { messageId: id, at, recipient: person.email, status: "queued", alreadyQueued: false };
}

/** The PDFs an e-mail carries besides its letter, made now: what the outbox's e-mail transport attaches. */
export async function attachmentsOf(db: Db, m: { customerId: string | null; attachments: MessageAttachment[] | null }): Promise<{ filename: string; content: Uint8Array; contentType: string }[]> {
  const out = [];
  for (const a of m.attachments ?? []) {
    if (a.kind !== "statement" || !m.customerId) continue;
    const file = await statementPdf(db, m.customerId, a.at);
    out.push({ filename: file.fileName, content: file.bytes, contentType: "application/pdf" });
  }
  return out;
}

// ————— helpers —————

async function addresseeOf(db: Db, customerId: string, asOf: CalendarDate): Promise<Addressee> {
  const person = (await loadAddressees(db, [customerId], asOf)).get(customerId);
  if (!person) throw new AppError("NOT_FOUND", "Client introuvable à vos sites.");
  return person;
}

const LOGO_MAX = { width: 50 * MM, height: 16 * MM, top: 12 * MM };
const TINT = rgb(0.93, 0.95, 0.97);
/** Date | Pièce | Libellé | Débit | Crédit | Solde. */
const COLUMNS = [22 * MM, 30 * MM, 58 * MM, 20 * MM, 20 * MM] as const;

async function renderStatement(person: Addressee, statement: Statement, logo: { bytes: Uint8Array; type: "image/png" | "image/jpeg" } | null): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Relevé de compte — ${person.name} (${person.ref}) au ${formatDateFr(statement.at)}`);
  doc.setCreator("Cadenas");
  doc.setLanguage("fr-FR");
  // The statement carries its own date: the same ledger at the same date renders to the same bytes.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const fonts: Fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  const site = person.site;
  const w = new PageWriter(doc, fonts, (page, total) => ({
    left: `Relevé de compte — ${person.name} (${person.ref}) au ${formatDateFr(statement.at)}`,
    right: `Page ${page} / ${total}`,
  }));
  // Letterhead, top left: the logo above the site's name, its address and phone.
  const image: PDFImage | null = logo ? await (logo.type === "image/png" ? doc.embedPng(logo.bytes) : doc.embedJpg(logo.bytes)).catch(() => null) : null;
  if (image) {
    const scale = Math.min(LOGO_MAX.width / image.width, LOGO_MAX.height / image.height, 1);
    const height = image.height * scale;
    w.page.drawImage(image, { x: LEFT, y: A4.height - LOGO_MAX.top - height, width: image.width * scale, height });
    w.y = A4.height - LOGO_MAX.top - height - 3 * MM;
  }
  w.text(site.name, { size: 15, bold: true, width: 80 * MM });
  if (site.address) w.text(site.address, { size: 9.5, color: MUTED, width: 80 * MM });
  if (site.phone) w.text(`Tél. ${site.phone}`, { size: 9.5, color: MUTED, width: 80 * MM });
  // The customer's address where a window envelope shows it: the statement may be posted.
  w.y = A4.height - 50 * MM;
  for (const line of postalAddress(person.address)) w.text(line, { x: 105 * MM, size: 11, width: 85 * MM });
  w.y = Math.min(w.y, A4.height - 82 * MM);
  w.text(`Relevé de compte au ${formatDateFr(statement.at)}`, { size: 16, bold: true, gap: 2 });
  const refs = [`Client ${person.ref}`, person.contracts?.length ? `Contrat${person.contracts.length > 1 ? "s" : ""} ${person.contracts.join(", ")}` : null, person.boxes.length ? `Box ${person.boxes.join(", ")}` : null];
  w.text(refs.filter(Boolean).join(" · "), { size: 9.5, color: MUTED, gap: 6 });

  // The balance first: what the reader looks for.
  const owed = statement.balanceCents;
  const balanceText = owed > 0 ? `Solde dû au ${formatDateFr(statement.at)} : ${formatEurosPlain(owed)}` : owed < 0 ? `Solde créditeur au ${formatDateFr(statement.at)} : ${formatEurosPlain(-owed)}` : `Compte soldé au ${formatDateFr(statement.at)} : 0,00 €`;
  w.need(26);
  w.page.drawRectangle({ x: LEFT, y: w.y - 20, width: WIDTH, height: 22, color: TINT });
  w.y -= 4;
  w.text(balanceText, { x: LEFT + 3 * MM, size: 12, bold: true, gap: 6 });

  heading(w, "Mouvements du compte");
  const cells = (texts: string[], bold = false, color = INK) =>
    texts.map((text, i) => ({ text, bold, color, width: i < COLUMNS.length ? COLUMNS[i] : undefined }));
  row(w, cells(["Date", "Pièce", "Libellé", "Débit", "Crédit", "Solde"], true), { size: 9, rule: true });
  if (statement.lines.length === 0) w.text("Aucun mouvement à cette date.", { size: 9.5, color: MUTED });
  for (const l of statement.lines) {
    row(
      w,
      cells([
        formatDateFr(l.date),
        l.ref,
        l.label,
        l.debitCents ? formatEurosPlain(l.debitCents) : "",
        l.creditCents ? formatEurosPlain(l.creditCents) : "",
        formatEurosPlain(l.balanceCents),
      ]),
      { size: 9, rule: true },
    );
  }
  w.y -= 4;
  const { invoicedCents, paidCents, creditedCents } = statement.totals;
  w.text(`Total facturé : ${formatEurosPlain(invoicedCents)} · Total payé : ${formatEurosPlain(paidCents)}${creditedCents ? ` · Avoirs et pertes : ${formatEurosPlain(creditedCents)}` : ""}`, { size: 9.5, gap: 2 });
  w.text(balanceText, { size: 11, bold: true, align: "right", gap: 6 });

  if (statement.upcoming.length > 0) {
    heading(w, "À échoir (non compris dans le solde)");
    for (const u of statement.upcoming) row(w, cells([formatDateFr(u.dueDate), u.ref, u.label, formatEurosPlain(u.amountCents)]), { size: 9, rule: true });
  }
  w.y -= 6;
  w.text("Les factures comptent à leur date d'échéance, les paiements à leur date de réception ; un paiement rejeté ne compte pas.", { size: 8.5, color: MUTED, gap: 2 });
  w.text(privacyNotice(site), { size: 6.5, color: MUTED });
  w.finish();
  drawLegalMentions(w, fonts, site);
  return doc.save();
}


