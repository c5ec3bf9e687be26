import { inArray, sql } from "drizzle-orm";
import { settledOnInvoiceSql } from "./balance";
import { daysBetween, type CalendarDate } from "../../shared/dates";
import type { FeeKind } from "../../shared/engine/scenarios";
import type { InvoiceKind } from "../../shared/enums";
import { invoiceDescription } from "../../shared/messaging/compose";
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
  /** What it bills, as the customer reads it in a letter ("Loyer", "Frais d'impayé (prélèvement rejeté)"). */
  description?: string;
}

/**
 * Customers' invoices not fully settled, oldest first: payments and credits that name their invoice settle it;
 * the rest (a payment without an invoice ref) settles the oldest first, as the engine counts. One query for all.
 */
export async function unpaidInvoicesOf(db: Db, customerIds: readonly string[]): Promise<Map<string, OpenInvoice[]>> {
  const out = new Map<string, OpenInvoice[]>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db.all<{ id: string; invoices: string; loose: number }>(sql`
      select c.id,
        (select json_group_array(json_array(i.id, i.ref, i.contract_id, i.due_date, i.amount_cents, ${settledOnInvoiceSql(sql.raw("i.id"))}, i.kind, i.label))
          from invoices i where i.customer_id = c.id and i.amount_cents > 0) as invoices,
        coalesce((select sum(p.amount_cents) from payments p where p.customer_id = c.id and p.status = 'ok' and p.invoice_id is null), 0)
          - coalesce((select sum(cr.amount_cents) from invoices cr where cr.customer_id = c.id and cr.amount_cents < 0 and cr.applies_to_id is null), 0) as loose
      from customers c where ${inArray(sql.raw("c.id"), customerIds.slice(i, i + 500))}`);
    for (const r of rows) {
      const list = (JSON.parse(r.invoices) as [string, string, string | null, string, number, number, InvoiceKind, string | null][]).sort((a, b) => (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : a[1] < b[1] ? -1 : 1));
      let pool = Number(r.loose);
      const open: OpenInvoice[] = [];
      for (const [id, ref, contractId, dueDate, amountCents, settled, kind, label] of list) {
        let remaining = amountCents - settled;
        const used = Math.min(Math.max(remaining, 0), pool);
        remaining -= used;
        pool -= used;
        if (remaining > 0) open.push({ id, ref, contractId, dueDate, amountCents, remainingCents: remaining, description: invoiceDescription(kind, label) });
      }
      out.set(r.id, open);
    }
  }
  return out;
}

export async function unpaidInvoices(db: Db, customerId: string): Promise<OpenInvoice[]> {
  return (await unpaidInvoicesOf(db, [customerId])).get(customerId) ?? [];
}

/**
 * What a fee comes to on `day`: the SEPA reject fee as set; for a company, €40 for each invoice fallen due and
 * unpaid (recovery indemnity), and late penalties at the yearly rate on each unpaid amount for the days late.
 */
export function feeAmount(
  fee: FeeKind,
  open: readonly OpenInvoice[],
  day: CalendarDate,
  settings: { sepaRejectFeeCents: number; latePenaltyRatePercent: number },
): number {
  if (fee === "sepa_reject") return settings.sepaRejectFeeCents;
  const late = open.filter((i) => i.dueDate < day);
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
