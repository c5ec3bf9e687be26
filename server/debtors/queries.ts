import { and, asc, desc, eq, gte, inArray, isNull, ne, or, sql } from "drizzle-orm";
import { daysBetween } from "../../shared/dates";
import type { DebtorDetail, DebtorSummary, HistoryEntry, UnitSummary } from "../../shared/schemas/debtors";
import { inScope, type Scope } from "../auth/scope";
import { invoices, payments } from "../billing/billing.sql";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { notFound } from "../errors";
import { sites, units } from "../sites/sites.sql";

/**
 * The customers with an open case who rent (or rented) a unit at one of the scope's sites, most urgent first.
 * Until the priority score arrives, "most urgent" is: longest late, then largest balance.
 */
export async function listDebtors(db: Database, scope: Scope, asOf: string): Promise<DebtorSummary[]> {
  const rows = await db
    .select({
      customer: customers,
      caseRow: cases,
      balanceCents: balanceSql(asOf),
    })
    .from(cases)
    .innerJoin(customers, eq(customers.id, cases.customerId))
    .where(and(eq(cases.status, "open"), inArray(cases.customerId, customersAtScopedSites(db, scope))));
  if (rows.length === 0) return [];

  const ids = rows.map((r) => r.customer.id);
  const [unitRows, taskCounts, lastActions] = await Promise.all([
    unitsOf(db, scope, ids, asOf),
    db
      .select({ customerId: tasks.customerId, n: sql<number>`count(*)` })
      .from(tasks)
      .where(and(inArray(tasks.customerId, ids), eq(tasks.status, "open"), inScope(scope, tasks.siteId)))
      .groupBy(tasks.customerId),
    latestActions(db, ids),
  ]);

  const unitsByCustomer = groupBy(unitRows, (u) => u.customerId);
  const tasksByCustomer = new Map(taskCounts.map((t) => [t.customerId, Number(t.n)]));
  const lastByCustomer = new Map(lastActions.map((a) => [a.customerId, a]));

  return rows
    .map(({ customer, caseRow, balanceCents }) => {
      const last = lastByCustomer.get(customer.id);
      return {
        customerId: customer.id,
        ref: customer.ref,
        name: customer.name,
        kind: customer.kind,
        phone: customer.phone,
        paymentMethod: customer.paymentMethod,
        stop: customer.stop,
        caseId: caseRow.id,
        anchorOn: caseRow.anchorOn,
        daysLate: daysBetween(caseRow.anchorOn, asOf),
        level: caseRow.level,
        stage: caseRow.stage,
        balanceCents: Number(balanceCents),
        units: (unitsByCustomer.get(customer.id) ?? []).map(({ customerId: _, ...u }) => u),
        openTasks: tasksByCustomer.get(customer.id) ?? 0,
        lastAction: last ? { happenedAt: last.happenedAt, kind: last.kind, text: last.text, initials: last.initials } : null,
      };
    })
    .sort((a, b) => b.daysLate - a.daysLate || b.balanceCents - a.balanceCents || a.name.localeCompare(b.name, "fr"));
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
        paidCents: sql<number>`coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = "invoices"."id" and p.status = 'ok'), 0)`,
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
      .select({ id: tasks.id, kind: tasks.kind, dueOn: tasks.dueOn, status: tasks.status, unitNumber: units.number })
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
      segment: customer.segment,
      stop: customer.stop,
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
function customersAtScopedSites(db: Database, scope: Scope) {
  return db
    .selectDistinct({ id: contracts.customerId })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .where(inScope(scope, units.siteId));
}

/**
 * What the customer owes on `asOf`: invoices fallen due minus payments received. Written with aliases because
 * drizzle leaves column names unqualified in single-table selects, which would bind them to the inner table.
 */
function balanceSql(asOf: string) {
  return sql<number>`(
    coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = "customers"."id" and i.due_date <= ${asOf}), 0)
    - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = "customers"."id" and p.status = 'ok'), 0)
  )`;
}

const unitColumns = {
  id: units.id,
  number: units.number,
  siteId: units.siteId,
  siteCode: sites.code,
  building: units.building,
  aisle: units.aisle,
  padlock: units.padlockState,
  gate: units.gateState,
};

/** The units the customers rent at the scope's sites, including those of a contract ended less than 3 months ago. */
function unitsOf(db: Database, scope: Scope, customerIds: string[], asOf: string): Promise<(UnitSummary & { customerId: string })[]> {
  return db
    .select({ customerId: contracts.customerId, ...unitColumns })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .innerJoin(sites, eq(sites.id, units.siteId))
    .where(
      and(
        inArray(contracts.customerId, customerIds),
        inScope(scope, units.siteId),
        or(isNull(contracts.endDate), gte(contracts.endDate, sql`date(${asOf}, '-3 months')`)),
      ),
    )
    .orderBy(asc(units.number));
}

function latestActions(db: Database, customerIds: string[]) {
  const ranked = db
    .select({
      customerId: actions.customerId,
      happenedAt: actions.happenedAt,
      kind: actions.kind,
      text: actions.text,
      initials: actions.initials,
      rank: sql<number>`row_number() over (partition by ${actions.customerId} order by ${actions.happenedAt} desc)`.as("rank"),
    })
    .from(actions)
    // A level change repeats the letter next to it; the line should say what was done.
    .where(and(inArray(actions.customerId, customerIds), ne(actions.kind, "level_changed")))
    .as("ranked");
  return db.select().from(ranked).where(eq(ranked.rank, 1));
}

function historyOf(db: Database, customerId: string): Promise<HistoryEntry[]> {
  return db
    .select({
      id: actions.id,
      happenedAt: actions.happenedAt,
      kind: actions.kind,
      outcome: actions.outcome,
      text: actions.text,
      initials: actions.initials,
      unitNumber: units.number,
    })
    .from(actions)
    .leftJoin(units, eq(units.id, actions.unitId))
    .where(eq(actions.customerId, customerId))
    .orderBy(desc(actions.happenedAt))
    .limit(200);
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
