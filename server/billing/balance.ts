import { sql, type SQL } from "drizzle-orm";

/**
 * What a customer owes on `asOf`, as a column of a query over `customers`: invoices fallen due minus payments
 * received. Written with aliases because drizzle leaves column names unqualified in single-table selects, which
 * would bind them to the inner table. `customerId` names the outer customer id column when the query aliases it.
 */
/**
 * What has settled one invoice: the payments that name it, and the credit notes and write-offs that apply to it
 * (negative invoices, so subtracted). `invoiceId` names the invoice id column of the outer query.
 */
export function settledOnInvoiceSql(invoiceId: SQL) {
  return sql<number>`(coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = ${invoiceId} and p.status = 'ok'), 0)
    - coalesce((select sum(cr.amount_cents) from invoices cr where cr.applies_to_id = ${invoiceId}), 0))`;
}

export function balanceSql(asOf: string, customerId: SQL = sql.raw(`"customers"."id"`)) {
  return sql<number>`(
    coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = ${customerId} and i.due_date <= ${asOf}), 0)
    - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = ${customerId} and p.status = 'ok'), 0))`;
}
