import { formatDateFr, type CalendarDate } from "./dates";
import type { InvoiceKind } from "./enums";

/**
 * The statement of account (*relevé de compte*) at a date: the customer's ledger as lines, oldest first, each with
 * the running balance — what they owe after it. An invoice counts on its due date, as every balance in Cadenas does
 * (`balanceSql`): a credit note or a write-off is a negative invoice and counts on its own due date; a payment counts
 * on the day it was made, rejected ones never. Invoices issued by the date and not yet due are listed apart
 * (*à échoir*), outside the balance. Nothing after the date is shown.
 */

export interface LedgerInvoice {
  ref: string;
  kind: InvoiceKind;
  issueDate: CalendarDate;
  dueDate: CalendarDate;
  /** Negative for a credit note or a write-off. */
  amountCents: number;
  label: string | null;
  /** The ref of the invoice a credit note or write-off settles. */
  appliesToRef?: string | null;
}

export interface LedgerPayment {
  ref: string;
  date: CalendarDate;
  amountCents: number;
  method: string;
  status: "ok" | "rejected";
  /** The ref of the invoice it pays, when it names one. */
  invoiceRef?: string | null;
}

export type StatementLineKind = "invoice" | "fee" | "credit_note" | "write_off" | "payment";

export interface StatementLine {
  date: CalendarDate;
  kind: StatementLineKind;
  ref: string;
  /** What the customer reads: "Loyer — émise le 01/11/2026", "Paiement par carte". */
  label: string;
  debitCents: number;
  creditCents: number;
  /** What is owed after this line. */
  balanceCents: number;
}

export interface Statement {
  at: CalendarDate;
  lines: StatementLine[];
  /** Invoices issued by the date, due after it: not owed yet. */
  upcoming: { ref: string; dueDate: CalendarDate; label: string; amountCents: number }[];
  totals: { invoicedCents: number; paidCents: number; creditedCents: number };
  /** Owed at the date (negative: the customer is in credit). */
  balanceCents: number;
}

export const PAYMENT_METHOD_WORD: Record<string, string> = { card: "carte", sepa: "prélèvement", transfer: "virement", cheque: "chèque", cash: "espèces" };

export function statementAt(invoices: readonly LedgerInvoice[], payments: readonly LedgerPayment[], at: CalendarDate): Statement {
  const entries: Omit<StatementLine, "balanceCents">[] = [];
  const upcoming: Statement["upcoming"] = [];
  for (const i of invoices) {
    if (i.issueDate > at && i.dueDate > at) continue;
    if (i.dueDate > at) {
      if (i.amountCents > 0) upcoming.push({ ref: i.ref, dueDate: i.dueDate, label: invoiceLabel(i), amountCents: i.amountCents });
      continue;
    }
    const kind: StatementLineKind = i.kind === "rent" ? "invoice" : i.kind;
    entries.push({ date: i.dueDate, kind, ref: i.ref, label: invoiceLabel(i), debitCents: Math.max(i.amountCents, 0), creditCents: Math.max(-i.amountCents, 0) });
  }
  for (const p of payments) {
    if (p.status !== "ok" || p.date > at) continue;
    const how = PAYMENT_METHOD_WORD[p.method] ?? p.method;
    const label = `Paiement par ${how}${p.invoiceRef ? ` — facture ${p.invoiceRef}` : ""}`;
    // A refund (negative payment) raises what is owed.
    entries.push({ date: p.date, kind: "payment", ref: p.ref, label, debitCents: Math.max(-p.amountCents, 0), creditCents: Math.max(p.amountCents, 0) });
  }
  // By date; on one day what is billed before what settles it, then by ref: the same ledger always reads the same.
  entries.sort((a, b) => (a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.debitCents > 0 !== b.debitCents > 0 ? (a.debitCents > 0 ? -1 : 1) : a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  let balance = 0;
  const lines = entries.map((e) => {
    balance += e.debitCents - e.creditCents;
    return { ...e, balanceCents: balance };
  });
  const sum = (pick: (l: StatementLine) => number) => lines.reduce((s, l) => s + pick(l), 0);
  upcoming.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.ref < b.ref ? -1 : 1));
  return {
    at,
    lines,
    upcoming,
    totals: {
      invoicedCents: sum((l) => (l.kind === "payment" ? 0 : l.debitCents)),
      paidCents: sum((l) => (l.kind === "payment" ? l.creditCents - l.debitCents : 0)),
      creditedCents: sum((l) => (l.kind === "credit_note" || l.kind === "write_off" ? l.creditCents : 0)),
    },
    balanceCents: balance,
  };
}

function invoiceLabel(i: LedgerInvoice): string {
  const issued = `émise le ${formatDateFr(i.issueDate)}`;
  switch (i.kind) {
    case "rent":
      return `Loyer — ${issued}`;
    case "fee":
      return `${i.label || "Frais"} — ${issued}`;
    case "credit_note":
      return `Avoir${i.appliesToRef ? ` sur la facture ${i.appliesToRef}` : ""}${i.label ? ` (${i.label})` : ""}`;
    case "write_off":
      return `Passage en perte${i.appliesToRef ? ` de la facture ${i.appliesToRef}` : ""}${i.label ? ` (${i.label})` : ""}`;
  }
}
