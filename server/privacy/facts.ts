import { sql, type SQL } from "drizzle-orm";
import type { RetentionFacts } from "../../shared/privacy/retention";
import type { Database, Transaction } from "../db/client";

type Db = Database | Transaction;

export interface CustomerFacts extends RetentionFacts {
  id: string;
  ref: string;
  legalHoldAt: string | null;
  legalHoldBy: string | null;
}

interface Row {
  id: string;
  ref: string;
  created_at: string;
  legal_hold_reason: string | null;
  legal_hold_at: string | null;
  legal_hold_by: string | null;
  pseudonymised_at: string | null;
  outstanding: number;
  open_case: number;
  open_tasks: number;
  contract_ends: string;
  last_invoice: string | null;
  last_payment: string | null;
  last_incident: string | null;
  last_closed: string | null;
}

/**
 * What the retention rule reads (`RetentionFacts`) for the customers `where` selects (a condition on `c`), in id
 * order: one query, each fact a subquery on an index by customer. The outstanding amount counts every invoice,
 * due or not: an invoice issued for next month is still part of the relationship.
 */
export async function customerFacts(db: Db, where: SQL, page?: { after: string | null; limit: number }): Promise<CustomerFacts[]> {
  const rows = await db.all<Row>(sql`
    select c.id, c.ref, c.created_at, c.legal_hold_reason, c.legal_hold_at, c.legal_hold_by, c.pseudonymised_at,
      coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = c.id), 0)
        - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = c.id and p.status = 'ok'), 0) as outstanding,
      exists (select 1 from cases k where k.customer_id = c.id and k.status = 'open') as open_case,
      (select count(*) from tasks t where t.customer_id = c.id and t.status = 'open') as open_tasks,
      (select json_group_array(ct.end_date) from contracts ct where ct.customer_id = c.id) as contract_ends,
      (select max(max(i.issue_date), max(i.due_date)) from invoices i where i.customer_id = c.id) as last_invoice,
      (select max(p.date) from payments p where p.customer_id = c.id) as last_payment,
      (select max(pi.occurred_on) from payment_incidents pi where pi.customer_id = c.id) as last_incident,
      (select max(k.closed_on) from cases k where k.customer_id = c.id) as last_closed
    from customers c
    where ${where} ${page?.after ? sql`and c.id > ${page.after}` : sql``}
    order by c.id
    ${page ? sql`limit ${page.limit}` : sql``}`);
  return rows.map((r) => ({
    id: r.id,
    ref: r.ref,
    legalHold: r.legal_hold_reason,
    legalHoldAt: r.legal_hold_at,
    legalHoldBy: r.legal_hold_by,
    pseudonymisedOn: r.pseudonymised_at ? r.pseudonymised_at.slice(0, 10) : null,
    outstandingCents: Number(r.outstanding),
    openCase: Boolean(Number(r.open_case)),
    openTasks: Number(r.open_tasks),
    contractEnds: JSON.parse(r.contract_ends) as (string | null)[],
    lastMovementOn: [r.last_invoice, r.last_payment, r.last_incident].reduce<string | null>((a, d) => (d && (!a || d > a) ? d : a), null),
    lastCaseClosedOn: r.last_closed,
    createdOn: r.created_at.slice(0, 10),
  }));
}

/** One customer's facts, or null when there is no such customer. */
export async function factsOf(db: Db, customerId: string): Promise<CustomerFacts | null> {
  const [f] = await customerFacts(db, sql`c.id = ${customerId}`);
  return f ?? null;
}
