import { and, eq, inArray, sql } from "drizzle-orm";
import type { EngineInput, InvoiceFact, LetterFact, PaymentFact, PaymentPlanFact, PromiseFact } from "../../shared/engine/engine";
import { DEFAULT_SCENARIOS, type Scenario } from "../../shared/engine/scenarios";
import { addDays, type CalendarDate } from "../../shared/dates";
import type { Segment } from "../../shared/enums";
import { invoices, payments } from "../billing/billing.sql";
import { actions } from "../cases/cases.sql";
import { customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { paymentPlans, scenarios } from "./engine.sql";

type Db = Database | Transaction;

/** The scenarios as the office left them; the defaults are written the first time. */
export async function loadScenarios(db: Db): Promise<Map<Segment, Scenario>> {
  const rows = await db.select().from(scenarios);
  const missing = DEFAULT_SCENARIOS.filter((d) => !rows.some((r) => r.code === d.code));
  if (missing.length > 0) {
    await db.insert(scenarios).values(missing.map((s) => ({ code: s.code, name: s.name, steps: s.steps }))).onConflictDoNothing();
  }
  const all = new Map<Segment, Scenario>(DEFAULT_SCENARIOS.map((s) => [s.code, s]));
  for (const r of rows) all.set(r.code, { code: r.code, name: r.name, steps: r.steps });
  return all;
}

/**
 * The customers the engine must look at on `asOf`, found by index, not by adding up everyone's account: an open
 * case; an invoice fallen due in the last weeks, or falling due within the pre-due notice, that its payments do
 * not cover; a payment rejected lately; a case closed lately (unlock, thanks). A customer who owes nothing and
 * whose invoices are all paid is not looked at. The engine decides on the exact balance.
 */
export async function customersToEvaluate(db: Db, asOf: CalendarDate): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`
    select customer_id as id from cases where status = 'open'
    union
    select i.customer_id from invoices i
     where i.due_date > ${addDays(asOf, -62)} and i.due_date <= ${addDays(asOf, 10)}
       and i.amount_cents > coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0)
    union
    select customer_id from payments where status = 'rejected' and date > ${addDays(asOf, -62)} and date <= ${asOf}
    union
    select customer_id from cases where status <> 'open' and closed_on >= ${addDays(asOf, -10)}
    order by 1`);
  return rows.map((r) => r.id);
}

export interface CustomerFacts {
  customerId: string;
  input: EngineInput;
}

/** Everything the engine needs about these customers, in a few queries. */
export async function loadFacts(db: Db, customerIds: readonly string[], all: Map<Segment, Scenario>): Promise<CustomerFacts[]> {
  const out: CustomerFacts[] = [];
  for (let i = 0; i < customerIds.length; i += 500) {
    const ids = customerIds.slice(i, i + 500);
    const [customerRows, invoiceRows, paymentRows, promiseRows, letterRows, planRows] = await Promise.all([
      db.select().from(customers).where(inArray(customers.id, ids)),
      db
        .select({ customerId: invoices.customerId, ref: invoices.ref, issueDate: invoices.issueDate, dueDate: invoices.dueDate, amountCents: invoices.amountCents })
        .from(invoices)
        .where(inArray(invoices.customerId, ids)),
      db
        .select({ customerId: payments.customerId, ref: payments.ref, date: payments.date, amountCents: payments.amountCents, status: payments.status, method: payments.method })
        .from(payments)
        .where(inArray(payments.customerId, ids)),
      db
        .select({ customerId: actions.customerId, happenedAt: actions.happenedAt, data: actions.data })
        .from(actions)
        .where(and(inArray(actions.customerId, ids), eq(actions.kind, "promise"), sql`${actions.rejectedReason} is null`)),
      db
        .select({ customerId: actions.customerId, happenedAt: actions.happenedAt, data: actions.data })
        .from(actions)
        .where(and(inArray(actions.customerId, ids), eq(actions.kind, "registered_letter"))),
      db.select().from(paymentPlans).where(inArray(paymentPlans.customerId, ids)),
    ]);
    const by = <T extends { customerId: string }>(rows: T[]) => {
      const m = new Map<string, T[]>();
      for (const r of rows) m.set(r.customerId, [...(m.get(r.customerId) ?? []), r]);
      return m;
    };
    const invoicesOf = by(invoiceRows);
    const paymentsOf = by(paymentRows);
    const promisesOf = by(promiseRows);
    const lettersOf = by(letterRows);
    const plansOf = by(planRows);
    for (const c of customerRows) {
      out.push({
        customerId: c.id,
        input: {
          customer: { ref: c.ref, kind: c.kind, paymentMethod: c.paymentMethod, stop: c.stop },
          scenario: all.get(c.segment) ?? all.get("box")!,
          invoices: (invoicesOf.get(c.id) ?? []).map((r): InvoiceFact => ({ ref: r.ref, issueDate: r.issueDate, dueDate: r.dueDate, amountCents: r.amountCents })),
          payments: (paymentsOf.get(c.id) ?? []).map((r): PaymentFact => ({ ref: r.ref, date: r.date, amountCents: r.amountCents, status: r.status, method: r.method })),
          promises: (promisesOf.get(c.id) ?? []).flatMap((r): PromiseFact[] => {
            const d = r.data as { promisedOn?: string } | null;
            return d?.promisedOn ? [{ madeOn: r.happenedAt.slice(0, 10), promisedOn: d.promisedOn }] : [];
          }),
          letters: (lettersOf.get(c.id) ?? []).flatMap((r): LetterFact[] => {
            const d = r.data as { step?: string } | null;
            return d?.step ? [{ step: d.step, sentOn: r.happenedAt.slice(0, 10) }] : [];
          }),
          plans: (plansOf.get(c.id) ?? []).map((r): PaymentPlanFact => ({ agreedOn: r.agreedOn, instalments: r.instalments })),
        },
      });
    }
  }
  return out;
}
