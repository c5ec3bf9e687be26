import { and, asc, desc, eq, gte, inArray, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { daysBetween } from "../../shared/dates";
import { priorityOf } from "../../shared/engine/priority";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import type { DebtorDetail, HistoryEntry } from "../../shared/schemas/debtors";
import { inScope, type Scope } from "../auth/scope";
import { invoices, payments } from "../billing/billing.sql";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { notFound } from "../errors";
import { balanceSql, settledOnInvoiceSql } from "../billing/balance";
import { sites, units } from "../sites/sites.sql";
import { buildDebtorDocs, floorCustomerIds, unitColumns } from "./docs";

/** The debtors the floor follows at the scope's sites, most urgent first. */
export async function listDebtors(db: Database, scope: Scope, asOf: string): Promise<DebtorDoc[]> {
  const docs = await buildDebtorDocs(db, scope, await floorCustomerIds(db, scope), asOf);
  const score = new Map(docs.map((d) => [d, priorityOf(d, asOf).total]));
  return docs.sort((a, b) => score.get(b)! - score.get(a)! || a.name.localeCompare(b.name, "fr"));
}

/** Everything the debtor screen shows. A customer with no unit at the scope's sites is "not found". */
export async function getDebtor(db: Database, scope: Scope, customerId: string, asOf: string): Promise<DebtorDetail> {
  const [row] = await db
    .select({ customer: customers, balanceCents: balanceSql(asOf) })
    .from(customers)
    .where(and(eq(customers.id, customerId), inArray(customers.id, customersAtScopedSites(db, scope))))
    .limit(1);
  if (!row) throw notFound("Customer");
  const { customer } = row;

  const [caseRows, unitRows, invoiceRows, paymentRows, taskRows, history] = await Promise.all([
    db.select().from(cases).where(eq(cases.customerId, customerId)).orderBy(desc(cases.openedOn)),
    db
      .select({ ...unitColumns, contractRef: contracts.ref, monthlyRentCents: contracts.monthlyRentCents, startDate: contracts.startDate, endDate: contracts.endDate })
      .from(contracts)
      .innerJoin(units, eq(units.id, contracts.unitId))
      .innerJoin(sites, eq(sites.id, units.siteId))
      .where(and(eq(contracts.customerId, customerId), inScope(scope, units.siteId)))
      .orderBy(asc(sites.code), asc(units.number)),
    db
      .select({
        id: invoices.id,
        ref: invoices.ref,
        issueDate: invoices.issueDate,
        dueDate: invoices.dueDate,
        amountCents: invoices.amountCents,
        // Credit notes and write-offs settle the invoice they name, as payments do.
        paidCents: settledOnInvoiceSql(sql.raw(`"invoices"."id"`)),
      })
      .from(invoices)
      .where(eq(invoices.customerId, customerId))
      .orderBy(desc(invoices.dueDate)),
    db
      .select({ id: payments.id, ref: payments.ref, date: payments.date, amountCents: payments.amountCents, method: payments.method, status: payments.status, reason: payments.reason })
      .from(payments)
      .where(eq(payments.customerId, customerId))
      .orderBy(desc(payments.date)),
    db
      .select({ id: tasks.id, kind: tasks.kind, dueOn: tasks.dueOn, status: tasks.status, note: tasks.note, unitNumber: units.number })
      .from(tasks)
      .leftJoin(units, eq(units.id, tasks.unitId))
      .where(and(eq(tasks.customerId, customerId), inScope(scope, tasks.siteId), or(eq(tasks.status, "open"), gte(tasks.dueOn, asOf))))
      .orderBy(asc(tasks.dueOn)),
    historyOf(db, customerId),
  ]);

  const openCase = caseRows.find((k) => k.status === "open") ?? caseRows[0];
  return {
    asOf,
    customer: {
      id: customer.id,
      ref: customer.ref,
      kind: customer.kind,
      name: customer.name,
      email: customer.email,
      phone: customer.phone,
      address: customer.address,
      postalCode: customer.postalCode,
      city: customer.city,
      paymentMethod: customer.paymentMethod,
      segment: customer.officeSegment ?? customer.segment,
      stop: customer.stop || customer.officeStopAt !== null,
      dispute: customer.disputeAt ? { since: customer.disputeAt, note: customer.disputeNote ?? "" } : null,
      handedOverAt: caseRows.find((k) => k.status === "open")?.handedOverAt ?? null,
    },
    case: openCase
      ? {
          id: openCase.id,
          status: openCase.status,
          openedOn: openCase.openedOn,
          anchorOn: openCase.anchorOn,
          daysLate: openCase.status === "open" ? daysBetween(openCase.anchorOn, asOf) : 0,
          level: openCase.level,
          stage: openCase.stage,
        }
      : null,
    balanceCents: Number(row.balanceCents),
    units: unitRows,
    invoices: invoiceRows.map((i) => ({ ...i, paidCents: Number(i.paidCents) })),
    payments: paymentRows,
    tasks: taskRows,
    history,
  };
}

/** Customers with at least one contract, current or ended, on a unit at one of the scope's sites. */
export function customersAtScopedSites(db: Database | Transaction, scope: Scope) {
  return db
    .selectDistinct({ id: contracts.customerId })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .where(inScope(scope, units.siteId));
}


function historyOf(db: Database, customerId: string): Promise<HistoryEntry[]> {
  const correction = alias(actions, "correction");
  return db
    .select({
      id: actions.id,
      happenedAt: actions.happenedAt,
      kind: actions.kind,
      outcome: actions.outcome,
      text: actions.text,
      initials: actions.initials,
      unitNumber: units.number,
      rejectedReason: actions.rejectedReason,
      correctedBy: correction.initials,
      correctedAt: correction.happenedAt,
    })
    .from(actions)
    .leftJoin(units, eq(units.id, actions.unitId))
    .leftJoin(correction, eq(correction.correctsId, actions.id))
    .where(eq(actions.customerId, customerId))
    .orderBy(desc(actions.happenedAt))
    .limit(200);
}

