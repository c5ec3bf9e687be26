import { index, integer, primaryKey, sqliteTable, text, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { INCIDENT_KINDS, INVOICE_KINDS, PAYMENT_METHODS, PAYMENT_STATUSES } from "../../shared/enums";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { contracts, customers } from "../customers/customers.sql";

/** Where an invoice comes from: the billing software's import, or Cadenas (a fee, a credit note, a write-off). */
export const INVOICE_SOURCES = ["import", "cadenas"] as const;

/**
 * Imported from the billing software, which stays the source of invoices. A credit note or a write-off has a
 * negative amount and names the invoice it settles. Fees, credit notes and write-offs decided in Cadenas are
 * written here at once (the balance is right at once) and listed for the office to enter in the billing
 * software under the same ref, so the next import updates them instead of adding them twice.
 */
export const invoices = sqliteTable(
  "invoices",
  {
    id: id(),
    ref: text("ref").notNull().unique(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    contractId: text("contract_id").references(() => contracts.id),
    kind: text("kind", { enum: INVOICE_KINDS }).notNull().default("rent"),
    issueDate: text("issue_date").notNull(),
    dueDate: text("due_date").notNull(),
    amountCents: integer("amount_cents").notNull(),
    /** The invoice a credit note or a write-off settles. */
    appliesToId: text("applies_to_id").references((): AnySQLiteColumn => invoices.id),
    source: text("source", { enum: INVOICE_SOURCES }).notNull().default("import"),
    /** The planned action (a fee, a credit note) that made it. */
    plannedActionId: text("planned_action_id"),
    /** Why it was made (a write-off's reason), shown to the office. */
    label: text("label"),
    /** When the office took it to enter in the billing software (Cadenas-made only). */
    exportedAt: text("exported_at"),
    /**
     * The site its amount counts at in the sums of `ledger_days`: its customer's only site; null when his boxes are at
     * several sites (the dashboards place him among the sites asked for) or at none. Kept by the triggers of migration
     * 0024 when a row, a contract or a box changes; no foreign key (a derived copy).
     */
    siteId: text("site_id"),
    /** Paid on it (payments naming it) within 15, 30 and 60 days of its due date; kept by the triggers of migration 0024. */
    paid15Cents: integer("paid15_cents").notNull().default(0),
    paid30Cents: integer("paid30_cents").notNull().default(0),
    paid60Cents: integer("paid60_cents").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("invoices_applies_to").on(t.appliesToId),
    // The engine's look at what was imported since its last run.
    index("invoices_updated").on(t.updatedAt),
    index("invoices_planned_action").on(t.plannedActionId),
    index("invoices_source").on(t.source, t.exportedAt),
    oneOf("invoices_source_check", t.source, INVOICE_SOURCES),
    index("invoices_customer_due").on(t.customerId, t.dueDate),
    // The engine's daily look at what fell due lately.
    index("invoices_due").on(t.dueDate),
    oneOf("invoices_kind", t.kind, INVOICE_KINDS),
  ],
);

/** A payment as the bank or the terminal reported it; `rejected` ones count for nothing but open incidents. */
export const payments = sqliteTable(
  "payments",
  {
    id: id(),
    ref: text("ref").notNull().unique(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceId: text("invoice_id").references(() => invoices.id),
    date: text("date").notNull(),
    amountCents: integer("amount_cents").notNull(),
    method: text("method", { enum: PAYMENT_METHODS }).notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    reason: text("reason"),
    /** As `invoices.site_id`. */
    siteId: text("site_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // By customer, and within a customer by day: the dashboards' payments in the days after each step.
    index("payments_customer_date").on(t.customerId, t.date),
    index("payments_invoice").on(t.invoiceId),
    index("payments_status_date").on(t.status, t.date),
    index("payments_status_updated").on(t.status, t.updatedAt),
    oneOf("payments_method", t.method, PAYMENT_METHODS),
    oneOf("payments_status", t.status, PAYMENT_STATUSES),
  ],
);

/** A card or SEPA reject, a bounced cheque, a transfer that never came: what starts the first contact. */
export const paymentIncidents = sqliteTable(
  "payment_incidents",
  {
    id: id(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    paymentId: text("payment_id").references(() => payments.id),
    invoiceId: text("invoice_id").references(() => invoices.id),
    kind: text("kind", { enum: INCIDENT_KINDS }).notNull(),
    occurredOn: text("occurred_on").notNull(),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [index("payment_incidents_customer").on(t.customerId), oneOf("payment_incidents_kind", t.kind, INCIDENT_KINDS)],
);

/**
 * Each customer's invoices and payments added up (every invoice, whatever its due date; payments `ok`), kept by the
 * triggers of migration 0024 in the transaction of every write: the follow-up table's balances of 100,000 customers
 * without adding a million rows up (`balancesSql`).
 */
export const customerTotals = sqliteTable("customer_totals", {
  customerId: text("customer_id")
    .primaryKey()
    .references(() => customers.id, { onDelete: "cascade" }),
  invoicedCents: integer("invoiced_cents").notNull().default(0),
  paidCents: integer("paid_cents").notNull().default(0),
});

/**
 * Per site and day, for the customers of one site only (`site_id` of invoices and payments): payments received that
 * day (`ok`), invoices falling due that day (positive amounts) and what was paid on those within 15/30/60 days of it
 * (each invoice at most its amount). Kept by the triggers of migration 0024; the dashboards' cash, cohorts and
 * countback DSO read a year of it instead of a year of payments and invoices.
 */
export const ledgerDays = sqliteTable(
  "ledger_days",
  {
    siteId: text("site_id").notNull(),
    day: text("day").notNull(),
    cashCents: integer("cash_cents").notNull().default(0),
    dueCents: integer("due_cents").notNull().default(0),
    paid15Cents: integer("paid15_cents").notNull().default(0),
    paid30Cents: integer("paid30_cents").notNull().default(0),
    paid60Cents: integer("paid60_cents").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.day] })],
);
