import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { HISTORY_LISTED, HISTORY_READ, KINDS_RULES_READ } from "../../shared/floor/history";
import type { DebtorDoc, DocEarlier, DocHistory, DocTask, DocUnit } from "../../shared/schemas/debtor-doc";
import { inScope, type Scope } from "../auth/scope";
import { balanceSql, settledOnInvoiceSql } from "../billing/balance";
import { openingFactsJson } from "../evidence/opening";
import { contracts } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { sites, units } from "../sites/sites.sql";
import { correctionOfSql, notCorrectedSql } from "./corrections";
import { onStopSql, scenarioSql } from "../customers/hold";

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
 * closed but who still have something to do on the floor (a padlock to remove after payment). In id order;
 * `page` reads one page of them, after the last id of the previous page.
 */
export async function floorCustomerIds(db: Db, scope: Scope, page?: { after: string | null; limit: number }): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: contracts.customerId })
    .from(contracts)
    .innerJoin(units, eq(units.id, contracts.unitId))
    .where(
      and(
        inScope(scope, units.siteId),
        page?.after ? gt(contracts.customerId, page.after) : undefined,
        sql`(exists (select 1 from cases k where k.customer_id = ${contracts.customerId} and k.status = 'open')
          or exists (select 1 from tasks t where t.customer_id = ${contracts.customerId} and t.status = 'open'
                     and ${inScope(scope, sql.raw("t.site_id"))}))`,
      ),
    )
    .orderBy(contracts.customerId)
    .limit(page?.limit ?? -1);
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

/**
 * One query for the whole chunk: a row a customer, its lists (units, tasks, invoices, history) folded into JSON by
 * SQLite. A row a list item would cost the client library and the garbage collector far more than the
 * database: at a site of thousands of debtors that was most of a phone's first sync. The lists are sorted here:
 * `json_group_array(… order by …)` is not understood by the libSQL server's parser. Fields left null are dropped
 * (`present`): the schema makes each of them optional, and they were a fifth of a first sync's bytes.
 */
async function buildChunk(db: Db, scope: Scope, ids: readonly string[], asOf: string): Promise<DebtorDoc[]> {
  if (ids.length === 0) return [];
  const list = [...ids];
  const rows = await db.all<ChunkRow>(sql`
    select c.id, c.ref, c.name, c.kind, c.phone, c.email, c.address, c.postal_code, c.city, c.payment_method, ${scenarioSql("c")} as segment,
      ${onStopSql("c")} as stop, c.dispute_at, c.dispute_note,
      (select h.handed_over_at from cases h where h.customer_id = c.id and h.status = 'open') as handed_over_at,
      ${balanceSql(asOf, sql.raw("c.id"))} as balance_cents,
      -- The open case if there is one, else the latest closed one.
      (select json_object('id', k.id, 'status', k.status, 'openedOn', k.opened_on, 'anchorOn', k.anchor_on, 'level', k.level, 'stage', k.stage,
                ${openingFactsJson(sql.raw("k.id"))})
         from cases k where k.customer_id = c.id order by k.status = 'open' desc, k.opened_on desc limit 1) as kase,
      (select json_group_array(json_object('id', u.id, 'number', u.number, 'siteId', u.site_id, 'siteCode', s.code, 'building', u.building,
                'aisle', u.aisle, 'padlock', u.padlock_state, 'gate', u.gate_state, 'contractEnded', ct.end_date,
                'opening', json((select json_object('openedAt', e.device_time, 'initials', e.author_initials, 'photos', json(json_extract(e.payload, '$.roles')),
                    'missing', json((select json_group_array(j.value) from json_each(e.photos) j where not exists (select 1 from photos p where p.sha256 = j.value))),
                    'clearedAt', (select x.device_time from evidence_records x where x.chain = e.chain and x.unit_id = u.id and x.kind = 'box.cleared'),
                    'receivedAt', e.received_at, 'signatures', json(json_extract(e.payload, '$.signatures')), 'keepGoodsDays', json_extract(e.payload, '$.keepGoodsDays'),
                    'basis', json((select json_extract(b.payload, '$.basis') from evidence_records b
                      where b.chain = e.chain and b.unit_id = u.id and b.kind = 'disposal.basis' order by b.seq desc limit 1)))
                  from evidence_records e where e.unit_id = u.id and e.customer_id = c.id and e.kind = 'box.opened' order by e.seq desc limit 1))))
         from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
         where ct.customer_id = c.id and ${inScope(scope, sql.raw("u.site_id"))}
           and (ct.end_date is null or ct.end_date >= date(${asOf}, '-3 months'))) as units,
      (select json_group_array(json_object('id', t.id, 'kind', t.kind, 'dueOn', t.due_on, 'unitId', t.unit_id, 'status', t.status, 'note', t.note))
         from tasks t where t.customer_id = c.id and t.status = 'open' and ${inScope(scope, sql.raw("t.site_id"))}) as tasks,
      (select json_group_array(json_object('ref', i.ref, 'dueDate', i.due_date, 'amountCents', i.amount_cents, 'paidCents', i.paid_cents))
         from (select i.ref, i.due_date, i.amount_cents, ${settledOnInvoiceSql(sql.raw("i.id"))} as paid_cents
               from invoices i where i.customer_id = c.id) i
         where i.amount_cents > i.paid_cents) as invoices,
      (select json_group_array(json_object('id', a.id, 'happenedAt', a.happened_at, 'kind', a.kind, 'outcome', a.outcome, 'text', a.text,
                'initials', a.initials, 'unitId', a.unit_id, 'rejectedReason', a.rejected_reason, 'photos', json(json_extract(a.data, '$.photos')),
                'authorId', a.user_id, 'correctsId', a.corrects_id, 'correction', json(${correctionOfSql(sql.raw("a.id"))}),
                'promise', json(case when a.kind = 'promise' then json_object('promisedOn', json_extract(a.data, '$.promisedOn'), 'amountCents', json_extract(a.data, '$.amountCents')) end)))
         from (select * from actions a where a.customer_id = c.id order by a.happened_at desc, a.id desc limit ${HISTORY_LISTED}) a) as history,
      -- Past the listed lines, up to HISTORY_READ, only what the phone's rules read (shared/floor/history.ts).
      (select json_group_array(json_object('happenedAt', a.happened_at, 'kind', a.kind, 'outcome', a.outcome, 'initials', a.initials, 'unitId', a.unit_id,
                'rejectedReason', a.rejected_reason, 'photos', json(json_extract(a.data, '$.photos')),
                'correctedAt', json_extract(${correctionOfSql(sql.raw("a.id"))}, '$.correctedAt'),
                'promise', json(case when a.kind = 'promise' then json_object('promisedOn', json_extract(a.data, '$.promisedOn'), 'amountCents', json_extract(a.data, '$.amountCents')) end)))
         from (select * from actions a where a.customer_id = c.id order by a.happened_at desc, a.id desc
               limit ${HISTORY_READ - HISTORY_LISTED} offset ${HISTORY_LISTED}) a
         where a.kind in (${sql.join(KINDS_RULES_READ.map((k) => sql`${k}`), sql`, `)})) as earlier,
      (select json_object('madeAt', a.happened_at, 'data', json(a.data))
         from actions a where a.customer_id = c.id and a.kind = 'promise' and ${notCorrectedSql(sql.raw("a.id"))} order by a.happened_at desc limit 1) as promise
    from customers c where ${inArray(sql.raw("c.id"), list)}`);

  const byId = new Map(rows.map((r) => [r.id, r]));
  const docs: DebtorDoc[] = [];
  for (const id of list) {
    const row = byId.get(id);
    if (!row) continue;
    const docUnits = (JSON.parse(row.units) as DocUnit[]).map(present).sort((a, b) => a.number.localeCompare(b.number));
    const openTasks = (JSON.parse(row.tasks) as DocTask[]).map(present).sort((a, b) => compare(a.dueOn, b.dueOn) || compare(a.id, b.id));
    const kase = row.kase ? present(JSON.parse(row.kase) as NonNullable<DebtorDoc["case"]>) : null;
    if (docUnits.length === 0) continue;
    if (kase?.status !== "open" && openTasks.length === 0) continue;
    const promise = row.promise ? (JSON.parse(row.promise) as { madeAt: string; data: { promisedOn: string; amountCents: number } | null }) : null;
    const earlier = (JSON.parse(row.earlier) as DocEarlier[]).map(present).sort((a, b) => compare(b.happenedAt, a.happenedAt));
    docs.push({
      customerId: row.id,
      ref: row.ref,
      name: row.name,
      kind: row.kind,
      ...present({ phone: row.phone, email: row.email, address: row.address, postalCode: row.postal_code, city: row.city }),
      paymentMethod: row.payment_method,
      segment: row.segment,
      stop: Boolean(row.stop),
      ...(row.dispute_at ? { dispute: { since: row.dispute_at, note: row.dispute_note ?? "" } } : {}),
      ...(row.handed_over_at ? { handedOverAt: row.handed_over_at } : {}),
      case: kase,
      balanceCents: Number(row.balance_cents),
      units: docUnits,
      tasks: openTasks,
      // A promise belongs to the open case it was made in.
      ...(promise?.data && kase?.status === "open" && promise.madeAt.slice(0, 10) >= kase.openedOn
        ? { promise: { promisedOn: promise.data.promisedOn, amountCents: promise.data.amountCents, madeAt: promise.madeAt } }
        : {}),
      invoices: (JSON.parse(row.invoices) as DebtorDoc["invoices"]).sort((a, b) => compare(a.dueDate, b.dueDate) || compare(a.ref, b.ref)),
      history: (JSON.parse(row.history) as HistoryRow[]).map(historyEntry).sort((a, b) => compare(b.happenedAt, a.happenedAt) || compare(b.id, a.id)),
      ...(earlier.length > 0 ? { earlier } : {}),
    });
  }
  return docs;
}

type HistoryRow = Omit<DocHistory, "correctedBy" | "correctedAt"> & { correction: { correctedBy: string; correctedAt: string } | null };

/**
 * A history line as the phone keeps it: who corrected it and when, flat. Fields a line has no use for (a promise's
 * terms on a call, a correction's target on a note, the reason of a line not refused) are left out rather than sent
 * as null: a first sync carries thousands of debtors' lines.
 */
function historyEntry({ correction, ...h }: HistoryRow): DocHistory {
  return present({ ...h, ...(correction ? { correctedBy: correction.correctedBy, correctedAt: correction.correctedAt } : {}) });
}

/**
 * The object without its null fields, for those whose every nullable field is optional in the schema (the phone
 * reads an absent field as null). Only the top level: the values inside (a unit's opening) keep their nulls.
 */
function present<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}

/** Code-unit order, as SQLite's binary collation sorts ids, dates and instants. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface ChunkRow {
  id: string;
  ref: string;
  name: string;
  kind: DebtorDoc["kind"];
  phone: string | null;
  email: string | null;
  address: string | null;
  postal_code: string | null;
  city: string | null;
  payment_method: DebtorDoc["paymentMethod"];
  segment: DebtorDoc["segment"];
  stop: number;
  dispute_at: string | null;
  dispute_note: string | null;
  handed_over_at: string | null;
  balance_cents: number;
  /** JSON, as the lists below. */
  kase: string | null;
  units: string;
  tasks: string;
  invoices: string;
  history: string;
  earlier: string;
  promise: string | null;
}
