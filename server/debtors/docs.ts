import { and, eq, inArray, sql } from "drizzle-orm";
import { HISTORY_IN_DOC, type DebtorDoc, type DocHistory, type DocTask, type DocUnit } from "../../shared/schemas/debtor-doc";
import { inScope, type Scope } from "../auth/scope";
import { balanceSql } from "../billing/balance";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { sites, units } from "../sites/sites.sql";

type Db = Database | Transaction;

/** A unit as documents show it; the query must join `sites`. */
export const unitColumns = {
  id: units.id,
  number: units.number,
  siteId: units.siteId,
  siteCode: sites.code,
  building: units.building,
  aisle: units.aisle,
  padlock: units.padlockState,
  gate: units.gateState,
};

/** Ids are sent to SQLite in chunks, well under its limit on bound parameters. */
const CHUNK = 500;

/**
 * The customers the floor follows at the scope's sites: those with an open case, and those whose case is
 * closed but who still have something to do on the floor (a padlock to remove after payment).
 */
export async function floorCustomerIds(db: Db, scope: Scope): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: contracts.customerId })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .where(
      and(
        inScope(scope, units.siteId),
        sql`(exists (select 1 from cases k where k.customer_id = ${contracts.customerId} and k.status = 'open')
          or exists (select 1 from tasks t where t.customer_id = ${contracts.customerId} and t.status = 'open'
                     and ${inScope(scope, sql.raw("t.site_id"))}))`,
      ),
    );
  return rows.map((r) => r.id);
}

/**
 * The documents of these customers as the scope sees them (units and tasks of other sites left out), in the
 * order of `customerIds`. Customers outside the floor's scope are skipped: the caller reports them as removed.
 */
export async function buildDebtorDocs(db: Db, scope: Scope, customerIds: readonly string[], asOf: string): Promise<DebtorDoc[]> {
  const docs: DebtorDoc[] = [];
  for (let i = 0; i < customerIds.length; i += CHUNK) docs.push(...(await buildChunk(db, scope, customerIds.slice(i, i + CHUNK), asOf)));
  return docs;
}

async function buildChunk(db: Db, scope: Scope, ids: readonly string[], asOf: string): Promise<DebtorDoc[]> {
  if (ids.length === 0) return [];
  const list = [...ids];
  const [customerRows, caseRows, unitRows, taskRows, invoiceRows, historyRows, promiseRows] = await Promise.all([
    db
      .select({
        customer: customers,
        balanceCents: balanceSql(asOf),
      })
      .from(customers)
      .where(inArray(customers.id, list)),
    // The open case if there is one, else the latest closed one.
    db
      .select()
      .from(cases)
      .where(inArray(cases.customerId, list))
      .orderBy(sql`${cases.status} = 'open' desc`, sql`${cases.openedOn} desc`),
    db
      .select({ customerId: contracts.customerId, ...unitColumns, contractEnded: contracts.endDate })
      .from(contracts)
      .innerJoin(units, eq(units.id, contracts.unitId))
      .innerJoin(sites, eq(sites.id, units.siteId))
      .where(
        and(
          inArray(contracts.customerId, list),
          inScope(scope, units.siteId),
          sql`(${contracts.endDate} is null or ${contracts.endDate} >= date(${asOf}, '-3 months'))`,
        ),
      ),
    db
      .select({ customerId: tasks.customerId, id: tasks.id, kind: tasks.kind, dueOn: tasks.dueOn, unitId: tasks.unitId, status: tasks.status })
      .from(tasks)
      .where(and(inArray(tasks.customerId, list), eq(tasks.status, "open"), inScope(scope, tasks.siteId))),
    db.all<{ customer_id: string; ref: string; due_date: string; amount_cents: number; paid_cents: number }>(sql`
      select i.customer_id, i.ref, i.due_date, i.amount_cents,
             coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0) as paid_cents
      from invoices i
      where ${inArray(sql.raw("i.customer_id"), list)}
        and i.amount_cents > coalesce((select sum(p.amount_cents) from payments p where p.invoice_id = i.id and p.status = 'ok'), 0)
      order by i.due_date`),
    db.all<{
      customer_id: string;
      id: string;
      happened_at: string;
      kind: DocHistory["kind"];
      outcome: DocHistory["outcome"];
      text: string;
      initials: string;
      unit_id: string | null;
      rejected_reason: string | null;
    }>(sql`
      select customer_id, id, happened_at, kind, outcome, text, initials, unit_id, rejected_reason from (
        select a.*, row_number() over (partition by a.customer_id order by a.happened_at desc, a.id desc) as rank
        from ${actions} a where ${inArray(sql.raw("a.customer_id"), list)}
      ) where rank <= ${HISTORY_IN_DOC}
      order by customer_id, happened_at desc, id desc`),
    db.all<{ customer_id: string; happened_at: string; data: string }>(sql`
      select customer_id, happened_at, data from (
        select a.customer_id, a.happened_at, a.data,
               row_number() over (partition by a.customer_id order by a.happened_at desc) as rank
        from ${actions} a where a.kind = 'promise' and ${inArray(sql.raw("a.customer_id"), list)}
      ) where rank = 1`),
  ]);

  const caseOf = new Map<string, (typeof caseRows)[number]>();
  for (const k of caseRows) if (!caseOf.has(k.customerId)) caseOf.set(k.customerId, k);
  const unitsOf = groupBy(unitRows, (u) => u.customerId);
  const tasksOf = groupBy(taskRows, (t) => t.customerId);
  const invoicesOf = groupBy(invoiceRows, (i) => i.customer_id);
  const historyOf = groupBy(historyRows, (h) => h.customer_id);
  const promiseOf = new Map(promiseRows.map((p) => [p.customer_id, p]));
  const byId = new Map(customerRows.map((r) => [r.customer.id, r]));

  const docs: DebtorDoc[] = [];
  for (const id of list) {
    const row = byId.get(id);
    const docUnits = unitsOf.get(id) ?? [];
    const openTasks = tasksOf.get(id) ?? [];
    const kase = caseOf.get(id);
    if (!row || docUnits.length === 0) continue;
    if (kase?.status !== "open" && openTasks.length === 0) continue;
    const { customer } = row;
    const promise = promiseOf.get(id);
    const promiseData = promise ? (JSON.parse(promise.data) as { promisedOn: string; amountCents: number }) : undefined;
    docs.push({
      customerId: customer.id,
      ref: customer.ref,
      name: customer.name,
      kind: customer.kind,
      phone: customer.phone,
      email: customer.email,
      address: customer.address,
      postalCode: customer.postalCode,
      city: customer.city,
      paymentMethod: customer.paymentMethod,
      segment: customer.segment,
      stop: customer.stop,
      case: kase
        ? { id: kase.id, status: kase.status, openedOn: kase.openedOn, anchorOn: kase.anchorOn, level: kase.level, stage: kase.stage }
        : null,
      balanceCents: Number(row.balanceCents),
      units: docUnits
        .map(({ customerId: _, ...u }): DocUnit => u)
        .sort((a, b) => a.number.localeCompare(b.number)),
      tasks: openTasks.map(({ customerId: _, ...t }): DocTask => t).sort((a, b) => (a.dueOn < b.dueOn ? -1 : 1)),
      // A promise belongs to the open case it was made in.
      promise:
        promise && promiseData && kase?.status === "open" && promise.happened_at.slice(0, 10) >= kase.openedOn
          ? { promisedOn: promiseData.promisedOn, amountCents: promiseData.amountCents, madeAt: promise.happened_at }
          : null,
      invoices: (invoicesOf.get(id) ?? []).map((i) => ({ ref: i.ref, dueDate: i.due_date, amountCents: i.amount_cents, paidCents: Number(i.paid_cents) })),
      history: (historyOf.get(id) ?? []).map((h) => ({
        id: h.id,
        happenedAt: h.happened_at,
        kind: h.kind,
        outcome: h.outcome,
        text: h.text,
        initials: h.initials,
        unitId: h.unit_id,
        rejectedReason: h.rejected_reason,
      })),
    });
  }
  return docs;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
