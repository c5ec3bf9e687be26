import { sql, type SQL } from "drizzle-orm";
import { addDays, daysBetween, type CalendarDate } from "../../shared/dates";
import { latestBroken } from "../../shared/engine/promises";
import { LEVELS, type CustomerKind, type Level, type Segment } from "../../shared/enums";
import type { FollowUpQuery, FollowUpResponse, FollowUpRow, FollowUpSort, LateBucket } from "../../shared/schemas/follow-up";
import { searchKey } from "../../shared/text";
import { inScope, type Scope } from "../auth/scope";
import { balancesSql } from "../billing/balance";
import { unpaidInvoicesOf } from "../billing/ledger";
import type { Database } from "../db/client";
import { notCorrectedSql } from "../debtors/corrections";
import { onStopSql, scenarioSql } from "../customers/hold";

/** Planned actions not yet carried out nor dropped: the case's next step is the earliest of them. */
const PENDING = ["planned", "awaiting_approval", "approved", "held"];

/** A candidate row, slim: what the filters and the sort need, parsed from one JSON column (see `slimColumn`). */
interface Slim {
  id: string;
  ref: string;
  name: string;
  caseId: string | null;
  level: Level;
  anchorOn: string | null;
  openedOn: string | null;
  /** Only when the search, the site sort or the promise filter needs them. */
  email?: string | null;
  phone?: string | null;
  units?: UnitTuple[] | null;
  nextOn?: string | null;
  lastAt?: string | null;
  promise?: PromiseTuple | null;
  balanceCents: number;
  oldestDueOn: string | null;
  daysLate: number;
}

type UnitTuple = [string, string, string, string, string, string, string | null];
type PromiseTuple = [string, string | null, number | null];

/**
 * The follow-up table: the rows of the scope's customers who owe something (invoices fallen due minus payments,
 * `balanceSql`) or have an open case, filtered, sorted and paged. Done in two reads so a view costs about the
 * same whatever the number of rows: first a slim projection of every candidate — one JSON column a row, with only
 * the columns the filters and the sort ask for (the libSQL client converts each cell it returns, so fewer cells is faster)
 * — narrowed by SQLite on what it has in columns (site, type, scenario, level, stage, stop, padlock, idle days),
 * then here on the balance (`balancesOf`), days late, promise and search, sorted on keys worked out once; then the
 * full rows of the one page returned.
 */
export async function followUp(db: Database, scope: Scope, query: FollowUpQuery, asOf: CalendarDate): Promise<FollowUpResponse> {
  const unitWhere = and_([inScope(scope, sql.raw("u.site_id")), query.site ? sql`s.code in ${list(query.site)}` : undefined]);
  const unitsOf = sql`from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id where ct.customer_id = c.id and ${unitWhere}`;
  const conditions: SQL[] = [sql`exists (select 1 ${unitsOf})`];
  if (query.kind) conditions.push(sql`c.kind in ${list(query.kind)}`);
  if (query.scenario) conditions.push(sql`${scenarioSql("c")} in ${list(query.scenario)}`);
  if (query.level) conditions.push(sql`coalesce(k.level, 'none') in ${list(query.level)}`);
  if (query.stage) conditions.push(sql`k.stage in ${list(query.stage)}`);
  if (query.stop) conditions.push(sql`${sql.raw(query.stop === "yes" ? "" : "not")} ${onStopSql("c")}`);
  if (query.dispute) conditions.push(sql`c.dispute_at is ${sql.raw(query.dispute === "yes" ? "not null" : "null")}`);
  // A padlock on any of the row's boxes (those of the sites asked for), as the row shows it.
  if (query.padlock) conditions.push(sql`${sql.raw(query.padlock === "yes" ? "" : "not")} exists (select 1 ${unitsOf} and u.padlock_state <> 'none')`);
  // Idle: no action on or after the day that would make the last one fewer than `idleDays` days old (an instant
  // starting with a date sorts after that date's own string, so the index on (customer, happened_at) answers).
  if (query.idleDays !== undefined) conditions.push(sql`not exists (select 1 from actions a where a.customer_id = c.id and a.happened_at >= ${addDays(asOf, 1 - query.idleDays)})`);
  const where = sql.join(conditions, sql` and `);
  const ledger = await ledgerOf(db, asOf);
  const owing = [...ledger.balances].flatMap(([id, cents]) => (cents > 0 ? [id] : []));

  const needle = query.q ? searchKey(query.q) : "";
  const slim = slimColumn(query, needle !== "", unitsOf);
  // Open cases by their index, then those who owe without one (the ids in one JSON parameter: no limit on their number).
  const found = await db.all<{ doc: string }>(sql`
    select ${slim} as doc from cases k join customers c on c.id = k.customer_id where k.status = 'open' and ${where}
    union all
    select ${slim} as doc from json_each(${JSON.stringify(owing)}) j join customers c on c.id = j.value
      left join cases k on k.customer_id = c.id and k.status = 'open'
      where k.id is null and ${where}`);
  let rows: Slim[] = found.map(({ doc }) => {
    const [id, ref, name, caseId, level, anchorOn, openedOn, email, phone, units, nextOn, lastAt, promise] = JSON.parse(doc) as [
      string, string, string, string | null, Level | null, string | null, string | null, string | null, string | null, UnitTuple[] | null, string | null, string | null, PromiseTuple | null,
    ];
    return { id, ref, name, caseId, level: level ?? "none", anchorOn, openedOn, email, phone, units, nextOn, lastAt, promise, balanceCents: ledger.balances.get(id) ?? 0, oldestDueOn: null, daysLate: 0 };
  });

  // The search runs over the rows left, in JavaScript: libSQL lets no function be registered and SQLite has no
  // unaccent (its parser refuses the ~80 nested replace() that would spell searchKey out).
  if (needle !== "") rows = rows.filter((r) => [r.name, r.ref, r.email ?? "", r.phone ?? "", ...(r.units ?? []).map((u) => u[0])].some((t) => keyOf(t).includes(needle)));
  if (query.minBalance !== undefined) rows = rows.filter((r) => r.balanceCents >= Math.round(query.minBalance! * 100));
  if (query.maxBalance !== undefined) rows = rows.filter((r) => r.balanceCents <= Math.round(query.maxBalance! * 100));
  // Without an open case, the oldest unpaid due date is the ledger's (payments settle the oldest first).
  await oldestDueOf(db, ledger, rows.filter((r) => r.caseId === null).map((r) => r.id), asOf);
  for (const r of rows) {
    r.oldestDueOn = r.caseId ? r.anchorOn : (ledger.oldestDue.get(r.id) ?? null);
    r.daysLate = daysLateOf(r.oldestDueOn, asOf);
  }
  if (query.lateBucket) rows = rows.filter((r) => query.lateBucket!.includes(lateBucket(r.daysLate)));
  if (query.promise) rows = rows.filter((r) => query.promise!.includes(promiseOf(r.promise ?? null, r.openedOn, r.balanceCents, asOf)?.state ?? "none"));

  const dir = query.dir === "asc" ? 1 : -1;
  // Each row's key worked out once (a name's search key is not cheap), not at every comparison.
  const key = SLIM_KEYS[query.sort];
  const keyed = rows.map((r) => ({ r, k: key(r) }));
  keyed.sort((a, b) => {
    const [x, y] = [a.k, b.k];
    if (x !== y) {
      // Rows without the value (no next step, no action yet) go last whichever the direction.
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    }
    return a.r.ref < b.r.ref ? -1 : a.r.ref > b.r.ref ? 1 : 0;
  });
  const offset = query.cursor !== undefined ? Number(query.cursor) : query.offset;
  const page = keyed.slice(offset, offset + query.limit).map(({ r }) => r);
  return {
    asOf,
    total: keyed.length,
    totalBalanceCents: rows.reduce((sum, r) => sum + r.balanceCents, 0),
    offset,
    nextCursor: offset + query.limit < keyed.length ? String(offset + query.limit) : null,
    rows: await fullRows(db, page, unitsOf, asOf),
  };
}

/** The slim projection as one JSON array a row: the columns of `Slim` in order, null where the view needs none. */
function slimColumn(query: FollowUpQuery, searching: boolean, unitsOf: SQL): SQL {
  const units = searching || query.sort === "site";
  return sql`json_array(c.id, c.ref, c.name, k.id, k.level, k.anchor_on, k.opened_on,
    ${searching ? sql`c.email, c.phone` : sql`null, null`},
    ${units ? sql`json((select json_group_array(json_array(u.number, u.site_id, s.code, s.name, u.padlock_state, u.gate_state, ct.end_date)) ${unitsOf}))` : sql`null`},
    ${query.sort === "nextStepOn" ? sql`(select pa.date from planned_actions pa where pa.customer_id = c.id and pa.case_id = k.id and pa.status in ${list(PENDING)} order by pa.date, pa.step limit 1)` : sql`null`},
    ${query.sort === "lastActionAt" ? sql`(select a.happened_at from actions a where a.customer_id = c.id order by a.happened_at desc, a.id desc limit 1)` : sql`null`},
    ${query.promise ? sql`json(${PROMISE_SQL})` : sql`null`})`;
}

const PROMISE_SQL = sql`(select json_array(a.happened_at, json_extract(a.data, '$.promisedOn'), json_extract(a.data, '$.amountCents')) from actions a
  where a.customer_id = c.id and a.kind = 'promise' and a.rejected_reason is null and ${notCorrectedSql(sql.raw("a.id"))}
  order by a.happened_at desc, a.id desc limit 1)`;

/** The page's rows in full: one JSON column a row, in the page's order. */
async function fullRows(db: Database, page: Slim[], unitsOf: SQL, asOf: CalendarDate): Promise<FollowUpRow[]> {
  if (page.length === 0) return [];
  const found = await db.all<{ doc: string }>(sql`
    select json_array(j.value, c.kind, ${scenarioSql("c")}, ${onStopSql("c")},
        json((select json_group_array(json_array(u.number, u.site_id, s.code, s.name, u.padlock_state, u.gate_state, ct.end_date)) ${unitsOf})),
        json((select json_array(pa.step, pa.date) from planned_actions pa
           where pa.customer_id = c.id and pa.case_id = k.id and pa.status in ${list(PENDING)} order by pa.date, pa.step limit 1)),
        json((select json_array(a.happened_at, a.initials, a.text) from actions a where a.customer_id = c.id order by a.happened_at desc, a.id desc limit 1)),
        json(${PROMISE_SQL}),
        exists (select 1 from payment_plans pp where pp.customer_id = c.id and pp.agreed_on >= k.opened_on),
        k.stage, c.dispute_at, c.dispute_note, k.handed_over_at) as doc
      from json_each(${JSON.stringify(page.map((r) => r.caseId ?? r.id))}) j
      left join cases k on k.id = j.value
      join customers c on c.id = coalesce(k.customer_id, j.value)`);
  const byId = new Map<string, FullTuple>();
  for (const { doc } of found) {
    const t = JSON.parse(doc) as FullTuple;
    byId.set(t[0], t);
  }
  return page.map((r) => toRow(r, byId.get(r.caseId ?? r.id)!, asOf));
}

type FullTuple = [
  string, CustomerKind, Segment, number, UnitTuple[] | null, [string, string] | null, [string, string, string] | null, PromiseTuple | null, number | null, string | null,
  string | null, string | null, string | null,
];

export interface Ledger {
  asOf: CalendarDate;
  version: number;
  /** Every customer's balance that is not nil, by id. */
  balances: Map<string, number>;
  /** Oldest unpaid due date of customers without an open case, filled as views ask for them. */
  oldestDue: Map<string, string | null>;
}

/** What was added up from invoices and payments for `asOf`; the same until `ledger_version` moves. */
const cached = new WeakMap<Database, Ledger>();

/**
 * What each customer owes (`balancesSql`, from the sums the triggers keep: 0.15 s for a chain's 100,000 customers),
 * kept in memory and read again only when invoices or payments were written since
 * (the migration's triggers move `ledger_version` on any write, by any process) or the day changed. The version is
 * read before the sums, so what is kept is never older than its key.
 */
export async function ledgerOf(db: Database, asOf: CalendarDate): Promise<Ledger> {
  const [row] = await db.all<{ n: number }>(sql`select n from ledger_version where id = 1`);
  const version = Number(row?.n ?? -1);
  const hit = cached.get(db);
  if (hit && hit.asOf === asOf && hit.version === version && version >= 0) return hit;
  const rows = await db.all<{ id: string; b: number }>(balancesSql(asOf));
  const ledger: Ledger = { asOf, version, balances: new Map(rows.map((r) => [r.id, Number(r.b)])), oldestDue: new Map() };
  cached.set(db, ledger);
  return ledger;
}

/** Fills the ledger's oldest unpaid due dates of these customers (those it does not know yet). */
export async function oldestDueOf(db: Database, ledger: Ledger, customerIds: readonly string[], asOf: CalendarDate): Promise<void> {
  const missing = customerIds.filter((id) => !ledger.oldestDue.has(id));
  if (missing.length === 0) return;
  const unpaid = await unpaidInvoicesOf(db, missing);
  for (const id of missing) ledger.oldestDue.set(id, unpaid.get(id)?.find((i) => i.dueDate <= asOf)?.dueDate ?? null);
}

export function daysLateOf(oldestDueOn: string | null, asOf: CalendarDate): number {
  return oldestDueOn && oldestDueOn < asOf ? daysBetween(oldestDueOn, asOf) : 0;
}

/** Boxes no longer rented last, then by site code and number: the first one names the row's site. */
function sortUnits(units: UnitTuple[]): UnitTuple[] {
  return units.sort((a, b) => Number(a[6] !== null) - Number(b[6] !== null) || cmp(a[2], b[2]) || cmp(a[0], b[0]));
}

/** A promise belongs to the open case it was made in (as the phone's document reads it). */
function promiseOf(promised: PromiseTuple | null, openedOn: string | null, balanceCents: number, asOf: CalendarDate): FollowUpRow["promise"] {
  return promised && promised[1] && openedOn && promised[0].slice(0, 10) >= openedOn
    ? {
        on: promised[1],
        amountCents: Number(promised[2] ?? 0),
        state: balanceCents <= 0 ? "kept" : latestBroken({ madeOn: promised[0].slice(0, 10), promisedOn: promised[1] }, asOf) ? "broken" : "pending",
      }
    : null;
}

function toRow(r: Slim, full: FullTuple, asOf: CalendarDate): FollowUpRow {
  const [, kind, segment, stop, unitList, next, last, promised, plan, stage, disputeAt, disputeNote, handedOverAt] = full;
  const units = sortUnits(unitList ?? []);
  const first = units[0];
  return {
    customerId: r.id,
    ref: r.ref,
    name: r.name,
    kind,
    scenario: segment,
    site: first ? { id: first[1], code: first[2], name: first[3] } : { id: "", code: "", name: "" },
    units: units.map((u) => u[0]),
    balanceCents: r.balanceCents,
    oldestDueOn: r.oldestDueOn,
    daysLate: r.daysLate,
    caseId: r.caseId,
    level: r.level,
    stage,
    nextStep: next ? { code: next[0], on: next[1] } : null,
    promise: promiseOf(promised, r.openedOn, r.balanceCents, asOf),
    paymentPlan: Boolean(plan),
    padlock: units.some((u) => u[4] !== "none"),
    gateSuspended: units.some((u) => u[5] === "suspended"),
    lastAction: last ? { at: last[0], initials: last[1], text: last[2] } : null,
    stop: Boolean(stop),
    dispute: disputeAt ? { since: disputeAt, note: disputeNote ?? "" } : null,
    handedOverAt,
  };
}

export function lateBucket(daysLate: number): LateBucket {
  return daysLate <= 15 ? "0-15" : daysLate <= 30 ? "16-30" : daysLate <= 45 ? "31-45" : daysLate <= 60 ? "46-60" : "60+";
}

/**
 * `searchKey` remembered: a view over 10,000 rows folds tens of thousands of names, refs, e-mails and phones, and
 * the next view folds the same ones. Dropped whole when it grows past a chain's worth.
 */
const keys = new Map<string, string>();
function keyOf(text: string): string {
  let key = keys.get(text);
  if (key === undefined) {
    if (keys.size >= 500_000) keys.clear();
    key = searchKey(text);
    keys.set(text, key);
  }
  return key;
}

const SLIM_KEYS: Record<FollowUpSort, (r: Slim) => string | number | null> = {
  // Accents and case ignored, as the search compares names.
  name: (r) => keyOf(r.name),
  ref: (r) => r.ref,
  site: (r) => (r.units && r.units.length > 0 ? sortUnits(r.units)[0]![2] : ""),
  balance: (r) => r.balanceCents,
  oldestDue: (r) => r.oldestDueOn,
  daysLate: (r) => r.daysLate,
  level: (r) => LEVELS.indexOf(r.level),
  nextStepOn: (r) => r.nextOn ?? null,
  lastActionAt: (r) => r.lastAt ?? null,
};

/** `(?, ?, …)`: values for an SQL `in`. */
export function list(values: readonly string[]): SQL {
  return sql`(${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
}

function and_(parts: (SQL | undefined)[]): SQL {
  return sql.join(parts.filter((p): p is SQL => p !== undefined), sql` and `);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
