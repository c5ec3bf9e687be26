import { sql, type SQL } from "drizzle-orm";

/**
 * What has settled one invoice: the payments that name it, and the credit notes and write-offs that apply to it
 * (negative invoices, so subtracted). `invoiceId` names the invoice id column of the outer query.
 */
export function settledOnInvoiceSql(invoiceId: SQL) {
  return sql<number>`(coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = ${invoiceId} and p.status = 'ok'), 0)
    - coalesce((select sum(cr.amount_cents) from invoices cr where cr.applies_to_id = ${invoiceId}), 0))`;
}

/**
 * What a customer owes on `asOf`, as a column of a query over `customers`: invoices fallen due minus payments
 * received. Written with aliases because drizzle leaves column names unqualified in single-table selects, which
 * would bind them to the inner table. `customerId` names the outer customer id column when the query aliases it.
 */
export function balanceSql(asOf: string, customerId: SQL = sql.raw(`"customers"."id"`)) {
  return sql<number>`(
    coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = ${customerId} and i.due_date <= ${asOf}), 0)
    - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = ${customerId} and p.status = 'ok'), 0))`;
}

/**
 * Every customer's balance on `asOf` that is not nil, as rows `(id, b)`: `balanceSql`'s rule read from the sums the
 * triggers of migration 0024 keep (`customer_totals`: every invoice, every payment `ok`) less the invoices not yet due
 * on `asOf` — 100,000 balances without adding a million rows up. tests/integration/ledger-totals.test.ts holds the
 * two equal after every kind of write.
 */
export function balancesSql(asOf: string): SQL {
  return sql`select id, b from (select t.customer_id as id, t.invoiced_cents - t.paid_cents
      - coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = t.customer_id and i.due_date > ${asOf}), 0) as b
    from customer_totals t) where b <> 0`;
}
