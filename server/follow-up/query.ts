import { sql, type SQL } from "drizzle-orm";
import { daysBetween, type CalendarDate } from "../../shared/dates";
import { latestBroken } from "../../shared/engine/promises";
import { LEVELS, type CustomerKind, type Level, type Segment } from "../../shared/enums";
import type { FollowUpQuery, FollowUpResponse, FollowUpRow, FollowUpSort, LateBucket } from "../../shared/schemas/follow-up";
import { searchKey } from "../../shared/text";
import { inScope, type Scope } from "../auth/scope";
import { balanceSql } from "../billing/balance";
import { unpaidInvoicesOf } from "../billing/ledger";
import type { Database } from "../db/client";
import { notCorrectedSql } from "../debtors/corrections";

/** Planned actions not yet carried out nor dropped: the case's next step is the earliest of them. */
const PENDING = ["planned", "awaiting_approval", "approved", "held"];

interface BaseRow {
  id: string;
  ref: string;
  name: string;
  kind: CustomerKind;
  segment: Segment;
  stop: number;
  email: string | null;
  phone: string | null;
  balance_cents: number;
  case_id: string | null;
  level: Level | null;
  stage: string | null;
  anchor_on: string | null;
  opened_on: string | null;
  /** JSON: [number, siteId, siteCode, siteName, padlock, gate, contractEnd][] */
  units: string;
  next_step: string | null;
  last_action: string | null;
  promise: string | null;
  plan: number;
}

/**
 * The follow-up table: the rows of the scope's customers who owe something (invoices fallen due minus payments,
 * `balanceSql`) or have an open case, filtered, sorted and paged. SQLite narrows by what it has in columns (site,
 * type, scenario, level, stage, stop); balances come from `balancesOf`; the rest of the filters, the
 * sort and the totals run here over the rows left — a few thousand at a chain's scale.
 */
export async function followUp(db: Database, scope: Scope, query: FollowUpQuery, asOf: CalendarDate): Promise<FollowUpResponse> {
  const unitWhere = and_([inScope(scope, sql.raw("u.site_id")), query.site ? sql`s.code in ${list(query.site)}` : undefined]);
  const conditions: SQL[] = [sql`exists (select 1 from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id where ct.customer_id = c.id and ${unitWhere})`];
  if (query.kind) conditions.push(sql`c.kind in ${list(query.kind)}`);
  if (query.scenario) conditions.push(sql`c.segment in ${list(query.scenario)}`);
  if (query.level) conditions.push(sql`coalesce(k.level, 'none') in ${list(query.level)}`);
  if (query.stage) conditions.push(sql`k.stage in ${list(query.stage)}`);
  if (query.stop) conditions.push(query.stop === "yes" ? sql`c.stop = 1` : sql`c.stop = 0`);
  const balances = await balancesOf(db, asOf);
  const owing = [...balances].flatMap(([id, cents]) => (cents > 0 ? [id] : []));
  const columns = sql`c.id, c.ref, c.name, c.kind, c.segment, c.stop, c.email, c.phone,
        k.id as case_id, k.level, k.stage, k.anchor_on, k.opened_on,
        (select json_group_array(json_array(u.number, u.site_id, s.code, s.name, u.padlock_state, u.gate_state, ct.end_date))
           from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
           where ct.customer_id = c.id and ${unitWhere}) as units,
        (select json_array(pa.step, pa.date) from planned_actions pa
           where pa.customer_id = c.id and pa.case_id = k.id and pa.status in ${list(PENDING)} order by pa.date, pa.step limit 1) as next_step,
        (select json_array(a.happened_at, a.initials, a.text) from actions a where a.customer_id = c.id order by a.happened_at desc, a.id desc limit 1) as last_action,
        (select json_array(a.happened_at, json_extract(a.data, '$.promisedOn'), json_extract(a.data, '$.amountCents')) from actions a
           where a.customer_id = c.id and a.kind = 'promise' and a.rejected_reason is null and ${notCorrectedSql(sql.raw("a.id"))}
           order by a.happened_at desc, a.id desc limit 1) as promise,
        exists (select 1 from payment_plans pp where pp.customer_id = c.id and pp.agreed_on >= k.opened_on) as plan`;
  const where = sql.join(conditions, sql` and `);
  // Open cases by their index, then those who owe without one (the ids in one JSON parameter: no limit on their number).
  const rows = await db.all<BaseRow>(sql`
    select ${columns} from cases k join customers c on c.id = k.customer_id where k.status = 'open' and ${where}
    union all
    select ${columns} from json_each(${JSON.stringify(owing)}) j join customers c on c.id = j.value
      left join cases k on k.customer_id = c.id and k.status = 'open'
      where k.id is null and ${where}`);
  for (const r of rows) r.balance_cents = balances.get(r.id) ?? 0;

  // The search runs over the rows left, in JavaScript: libSQL lets no function be registered and SQLite has no
  // unaccent (its parser refuses the ~80 nested replace() that would spell searchKey out).
  const needle = query.q ? searchKey(query.q) : "";
  const found = needle === "" ? rows : rows.filter((r) => [r.name, r.ref, r.email ?? "", r.phone ?? "", ...(JSON.parse(r.units) as string[][]).map((u) => u[0]!)].some((t) => searchKey(t).includes(needle)));
  // Without an open case, the oldest unpaid due date is the ledger's (payments settle the oldest first).
  const caseless = found.filter((r) => r.case_id === null).map((r) => r.id);
  const unpaid = caseless.length > 0 ? await unpaidInvoicesOf(db, caseless) : new Map();

  let out = found.map((r) => toRow(r, asOf, r.case_id ? r.anchor_on : (unpaid.get(r.id)?.find((i: { dueDate: string }) => i.dueDate <= asOf)?.dueDate ?? null)));
  out = out.filter((r) => matches(r, query, asOf));
  const dir = query.dir === "asc" ? 1 : -1;
  // Each row's key worked out once (a name's search key is not cheap), not at every comparison.
  const keys = new Map(out.map((r) => [r, SORT_KEYS[query.sort](r)]));
  out.sort((a, b) => {
    const [x, y] = [keys.get(a)!, keys.get(b)!];
    if (x !== y) {
      // Rows without the value (no next step, no action yet) go last whichever the direction.
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    }
    return a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0;
  });
  return {
    asOf,
    total: out.length,
    totalBalanceCents: out.reduce((sum, r) => sum + r.balanceCents, 0),
    offset: query.offset,
    rows: out.slice(query.offset, query.offset + query.limit),
  };
}

/** Every customer's balance that is not nil, by id, for `asOf`; the same until `ledger_version` moves. */
const cached = new WeakMap<Database, { asOf: CalendarDate; version: number; balances: Map<string, number> }>();

/**
 * What each customer owes (`balanceSql`, the one rule), added up for all 100,000 customers of a chain takes longer
 * than a view may: it is kept in memory and worked out again only when invoices or payments were written since
 * (the migration's triggers move `ledger_version` on any write, by any process) or the day changed. The version is
 * read before the sums, so what is kept is never older than its key.
 */
async function balancesOf(db: Database, asOf: CalendarDate): Promise<Map<string, number>> {
  const [row] = await db.all<{ n: number }>(sql`select n from ledger_version where id = 1`);
  const version = Number(row?.n ?? -1);
  const hit = cached.get(db);
  if (hit && hit.asOf === asOf && hit.version === version && version >= 0) return hit.balances;
  const rows = await db.all<{ id: string; b: number }>(sql`select id, b from (select c.id, ${balanceSql(asOf, sql.raw("c.id"))} as b from customers c) where b <> 0`);
  const balances = new Map(rows.map((r) => [r.id, Number(r.b)]));
  cached.set(db, { asOf, version, balances });
  return balances;
}

function toRow(r: BaseRow, asOf: CalendarDate, oldestDueOn: string | null): FollowUpRow {
  const units = (JSON.parse(r.units) as [string, string, string, string, string, string, string | null][]).sort(
    (a, b) => Number(a[6] !== null) - Number(b[6] !== null) || cmp(a[2], b[2]) || cmp(a[0], b[0]),
  );
  const first = units[0];
  const next = r.next_step ? (JSON.parse(r.next_step) as [string, string]) : null;
  const last = r.last_action ? (JSON.parse(r.last_action) as [string, string, string]) : null;
  const promised = r.promise ? (JSON.parse(r.promise) as [string, string | null, number | null]) : null;
  const balanceCents = Number(r.balance_cents);
  // A promise belongs to the open case it was made in (as the phone's document reads it).
  const promise =
    promised && promised[1] && r.opened_on && promised[0].slice(0, 10) >= r.opened_on
      ? {
          on: promised[1],
          amountCents: Number(promised[2] ?? 0),
          state: balanceCents <= 0 ? ("kept" as const) : latestBroken({ madeOn: promised[0].slice(0, 10), promisedOn: promised[1] }, asOf) ? ("broken" as const) : ("pending" as const),
        }
      : null;
  return {
    customerId: r.id,
    ref: r.ref,
    name: r.name,
    kind: r.kind,
    scenario: r.segment,
    site: first ? { id: first[1], code: first[2], name: first[3] } : { id: "", code: "", name: "" },
    units: units.map((u) => u[0]),
    balanceCents,
    oldestDueOn,
    daysLate: oldestDueOn && oldestDueOn < asOf ? daysBetween(oldestDueOn, asOf) : 0,
    caseId: r.case_id,
    level: r.level ?? "none",
    stage: r.stage,
    nextStep: next ? { code: next[0], on: next[1] } : null,
    promise,
    paymentPlan: Boolean(r.plan),
    padlock: units.some((u) => u[4] !== "none"),
    gateSuspended: units.some((u) => u[5] === "suspended"),
    lastAction: last ? { at: last[0], initials: last[1], text: last[2] } : null,
    stop: Boolean(r.stop),
  };
}

export function lateBucket(daysLate: number): LateBucket {
  return daysLate <= 15 ? "0-15" : daysLate <= 30 ? "16-30" : daysLate <= 45 ? "31-45" : daysLate <= 60 ? "46-60" : "60+";
}

/** The filters SQLite did not apply (they need the balance, the dates or the promise worked out). */
function matches(r: FollowUpRow, q: FollowUpQuery, asOf: CalendarDate): boolean {
  if (q.balanceMin !== undefined && r.balanceCents < Math.round(q.balanceMin * 100)) return false;
  if (q.balanceMax !== undefined && r.balanceCents > Math.round(q.balanceMax * 100)) return false;
  if (q.late && !q.late.includes(lateBucket(r.daysLate))) return false;
  if (q.promise && !q.promise.includes(r.promise?.state ?? "none")) return false;
  if (q.padlock && r.padlock !== (q.padlock === "yes")) return false;
  if (q.idleDays !== undefined && r.lastAction && daysBetween(r.lastAction.at.slice(0, 10), asOf) < q.idleDays) return false;
  return true;
}

const SORT_KEYS: Record<FollowUpSort, (r: FollowUpRow) => string | number | null> = {
  // Accents and case ignored, as the search compares names.
  name: (r) => searchKey(r.name),
  ref: (r) => r.ref,
  site: (r) => r.site.code,
  balance: (r) => r.balanceCents,
  oldestDue: (r) => r.oldestDueOn,
  daysLate: (r) => r.daysLate,
  level: (r) => LEVELS.indexOf(r.level),
  nextStepOn: (r) => r.nextStep?.on ?? null,
  lastActionAt: (r) => r.lastAction?.at ?? null,
};

function list(values: readonly string[]): SQL {
  return sql`(${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
}

function and_(parts: (SQL | undefined)[]): SQL {
  return sql.join(parts.filter((p): p is SQL => p !== undefined), sql` and `);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
