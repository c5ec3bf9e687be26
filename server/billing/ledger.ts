import { sql } from "drizzle-orm";
import { daysBetween, type CalendarDate } from "../../shared/dates";
import { RECOVERY_INDEMNITY_CENTS } from "../../shared/schemas/settings";
import type { Database, Transaction } from "../db/client";
import { invoices } from "./billing.sql";

type Db = Database | Transaction;

export interface OpenInvoice {
  id: string;
  ref: string;
  contractId: string | null;
  dueDate: CalendarDate;
  amountCents: number;
  /** What is left to pay on it. */
  remainingCents: number;
}

/**
 * A customer's invoices not fully settled, oldest first: payments and credits that name their invoice settle
 * it; the rest (a payment without an invoice ref) settles the oldest first, as the engine counts.
 */
export async function unpaidInvoices(db: Db, customerId: string): Promise<OpenInvoice[]> {
  const rows = await db.all<{ id: string; ref: string; contract_id: string | null; due_date: string; amount_cents: number; settled: number }>(sql`
    select i.id, i.ref, i.contract_id, i.due_date, i.amount_cents,
      coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0)
      - coalesce((select sum(cr.amount_cents) from invoices cr where cr.applies_to_id = i.id), 0) as settled
    from invoices i where i.customer_id = ${customerId} and i.amount_cents > 0
    order by i.due_date, i.ref`);
  const [loose] = await db.all<{ cents: number }>(sql`
    select coalesce((select sum(p.amount_cents) from payments p where p.customer_id = ${customerId} and p.status = 'ok' and p.invoice_id is null), 0)
         - coalesce((select sum(cr.amount_cents) from invoices cr where cr.customer_id = ${customerId} and cr.amount_cents < 0 and cr.applies_to_id is null), 0) as cents`);
  let pool = Number(loose?.cents ?? 0);
  const out: OpenInvoice[] = [];
  for (const r of rows) {
    let remaining = r.amount_cents - Number(r.settled);
    const used = Math.min(Math.max(remaining, 0), pool);
    remaining -= used;
    pool -= used;
    if (remaining > 0) out.push({ id: r.id, ref: r.ref, contractId: r.contract_id, dueDate: r.due_date, amountCents: r.amount_cents, remainingCents: remaining });
  }
  return out;
}

/**
 * What a fee comes to on `day`: the SEPA reject fee as set; for a company, €40 for each invoice fallen due and
 * unpaid (recovery indemnity), and late penalties at the yearly rate on each unpaid amount for the days late.
 */
export function feeAmount(
  fee: "sepa_reject" | "late_penalties" | "recovery_indemnity",
  open: readonly OpenInvoice[],
  day: CalendarDate,
  settings: { sepaRejectFeeCents: number; latePenaltyRatePercent: number },
): number {
  const late = open.filter((i) => i.dueDate < day);
  if (fee === "sepa_reject") return settings.sepaRejectFeeCents;
  if (fee === "recovery_indemnity") return RECOVERY_INDEMNITY_CENTS * late.length;
  return late.reduce((sum, i) => sum + Math.round((i.remainingCents * settings.latePenaltyRatePercent * daysBetween(i.dueDate, day)) / 36_500), 0);
}

/** A readable ref for what Cadenas bills or credits: the office enters it as is in the billing software. */
export function cadenasRef(prefix: "FR" | "AV" | "PP", id: string, n = 0): string {
  return `CAD-${prefix}-${id.replaceAll("-", "").slice(-10).toUpperCase()}${n > 0 ? `-${n}` : ""}`;
}

export type NewInvoice = typeof invoices.$inferInsert;

/** Credits settling each of these invoices for what is left on it (a write-off or credit notes). */
export function creditsFor(
  open: readonly OpenInvoice[],
  kind: "credit_note" | "write_off",
  customerId: string,
  day: CalendarDate,
  idOf: (n: number) => { id: string; ref: string },
  more: Partial<NewInvoice> = {},
): NewInvoice[] {
  return open.map((i, n) => ({
    ...idOf(n),
    customerId,
    contractId: i.contractId,
    kind,
    issueDate: day,
    // It settles the invoice as it falls due: crediting next month's rent does not pay this month's.
    dueDate: i.dueDate > day ? i.dueDate : day,
    amountCents: -i.remainingCents,
    appliesToId: i.id,
    source: "cadenas" as const,
    ...more,
  }));
}
