import { sql, type SQL } from "drizzle-orm";
import { addMonths, type CalendarDate } from "../../shared/dates";
import { PAYOFF_STEPS, type DashboardFigures, type DashboardResponse, type PayoffStep } from "../../shared/schemas/dashboard";
import { inScope, type Scope } from "../auth/scope";
import type { Database } from "../db/client";
import { notCorrectedSql } from "../debtors/corrections";
import { cmp, daysLateOf, ledgerOf, list, oldestDueOf } from "../follow-up/query";
import { addFigures, agedBalance, closeCohorts, countbackDso, daysCounted, funnel, monthsOf, promiseCounts, type AgedRow, type CasePromises, type FunnelGroup } from "./compute";

export interface DashboardScope {
  /** Site codes asked for; unset: every site of the scope. */
  sites?: readonly string[];
  from: CalendarDate;
  to: CalendarDate;
}

/** How many months back the countback DSO may walk. */
const DSO_MONTHS = 12;

/**
 * Every figure of the dashboards, for all the sites asked for and each of them, worked out by SQLite (sums grouped by
 * site: no table is read into JavaScript row by row) except the aged balance, which is the follow-up table's rows
 * added up (its kept balances, its days late). A customer counts at the site of his first box among those asked for,
 * as the follow-up table's row shows him. Callable outside the route (the Managers' weekly e-mail).
 */
export async function dashboardFigures(db: Database, scope: Scope, { sites: codes, from, to }: DashboardScope, today: CalendarDate): Promise<DashboardResponse> {
  const codeWhere = codes && codes.length > 0 ? sql`and s.code in ${list(codes)}` : sql``;
  const siteRows = await db.all<{ id: string; code: string; name: string }>(
    sql`select s.id, s.code, s.name from sites s where ${inScope(scope, sql.raw("s.id"))} ${codeWhere} order by s.code`,
  );
  const months = monthsOf(from, to);
  const home = homeCte(scope, codeWhere);
  const siteOf = (customerId: string) => siteOfSql(scope, codeWhere, sql.raw(customerId));
  const per = new Map<string, Acc>(siteRows.map((s) => [s.id, emptyAcc(months)]));
  const acc = (siteId: string) => per.get(siteId);

  // The aged balance: the follow-up table's rows (owing, or with an open case), its balances and days late.
  const ledger = await ledgerOf(db, today);
  const owing = [...ledger.balances].flatMap(([id, cents]) => (cents > 0 ? [id] : []));
  const [candidates] = await db.all<{ doc: string | null }>(sql`
    select json_group_array(json_array(x.cid, x.sid, x.anchor_on, x.kid)) as doc from (
      select c.cid, ${siteOf("c.cid")} as sid, k.anchor_on, k.id as kid
      from (select customer_id as cid from cases where status = 'open' union select value from json_each(${JSON.stringify(owing)})) c
      left join cases k on k.customer_id = c.cid and k.status = 'open') x
    where x.sid is not null`);
  const rows = JSON.parse(candidates?.doc ?? "[]") as [string, string, string | null, string | null][];
  await oldestDueOf(db, ledger, rows.filter((r) => r[3] === null).map((r) => r[0]), today);
  for (const [cid, sid, anchorOn, caseId] of rows) {
    const a = acc(sid);
    if (!a) continue;
    const balanceCents = ledger.balances.get(cid) ?? 0;
    a.aged.push({ balanceCents, daysLate: daysLateOf(caseId ? anchorOn : (ledger.oldestDue.get(cid) ?? null), today) });
    a.receivableNow += Math.max(balanceCents, 0);
  }

  // The funnel: cases opened in the period, by the stages they reached.
  const stages = await db.all<{ sid: string; r1: number; padlock: number; r2: number; r3: number; exit: number; paid: number; n: number }>(sql`
    select sid, r1, padlock, r2, r3, exit, paid, count(*) as n from (
      select ${siteOf("k.customer_id")} as sid, k.level <> 'none' as r1, k.level in ('R2', 'R3', 'R4', 'R5') as r2, k.level in ('R3', 'R4', 'R5') as r3,
        exists (select 1 from actions a where a.case_id = k.id and a.kind = 'padlock_placed' and a.rejected_reason is null) as padlock,
        (k.status = 'contract_ended' or exists (select 1 from actions a where a.case_id = k.id and a.kind = 'contract_ended')) as exit,
        k.status = 'paid' as paid
      from cases k where k.opened_on between ${from} and ${to})
    where sid is not null group by sid, r1, padlock, r2, r3, exit, paid`);
  for (const g of stages) acc(g.sid)?.funnel.push({ R1: !!g.r1, padlock: !!g.padlock, R2: !!g.r2, R3: !!g.r3, exit: !!g.exit, paid: !!g.paid, n: Number(g.n) });

  // What pays off: each case's first step of each kind carried out in the period, and its customer's payments in the
  // 7 and 15 days from that day — one payment credited to every step whose window holds it.
  const day = sql.raw("substr(a.happened_at, 1, 10)");
  const first = (when: SQL) => sql`min(case when ${when} then ${day} end)`;
  const payoff = await db.all<{ sid: string; step: PayoffStep; n: number; p7: number; p15: number; paid: number }>(sql`with
    firsts as (select a.case_id,
        ${first(sql`a.kind = 'call' and ${notCorrectedSql(sql.raw("a.id"))}`)} as first_call,
        ${first(sql`a.kind = 'sms'`)} as sms,
        ${first(sql`a.kind = 'email' and json_extract(a.data, '$.step') = 'R1'`)} as email_R1,
        ${first(sql`a.kind = 'padlock_placed' and a.rejected_reason is null`)} as padlock,
        ${first(sql`a.kind = 'registered_letter' and json_extract(a.data, '$.step') = 'R2'`)} as registered_R2,
        ${first(sql`a.kind = 'registered_letter' and json_extract(a.data, '$.step') = 'R3'`)} as notice_R3
      from actions a where a.case_id is not null and a.kind in ('call', 'sms', 'email', 'padlock_placed', 'registered_letter') group by a.case_id),
    steps(case_id, step, day) as (${sql.join(
      PAYOFF_STEPS.map((s) => sql`select case_id, ${s}, ${sql.raw(s)} from firsts where ${sql.raw(s)} between ${from} and ${to}`),
      sql` union all `,
    )}),
    -- Each case's site once (not once a step), then each step's payments: its customer's 15 days of them (index by customer and day).
    cs as materialized (select k.id, k.customer_id, k.status, k.closed_on, ${siteOf("k.customer_id")} as sid from cases k where k.id in (select case_id from steps))
    select sid, step, count(*) as n, sum(p7) as p7, sum(p15) as p15, sum(paid) as paid from (
      select cs.sid, st.step,
        coalesce(sum(case when p.date <= date(st.day, '+7 days') then p.amount_cents end), 0) as p7,
        coalesce(sum(p.amount_cents), 0) as p15,
        cs.status = 'paid' and cs.closed_on <= date(st.day, '+15 days') as paid
      from steps st join cs on cs.id = st.case_id
        left join payments p on p.customer_id = cs.customer_id and +p.status = 'ok' and p.date between st.day and date(st.day, '+15 days')
      group by st.case_id, st.step)
    where sid is not null group by sid, step`);
  for (const p of payoff) {
    const line = acc(p.sid)?.figures.payoff.find((x) => x.step === p.step);
    if (line) Object.assign(line, { count: Number(p.n), paid7Cents: Number(p.p7), paid15Cents: Number(p.p15), casesPaid: Number(p.paid) });
  }

  // Cash per month, invoices by due month with what was paid on them within 15/30/60 days, and the sales the
  // countback DSO walks back over.
  const dsoFrom = addMonths(`${to.slice(0, 7)}-01`, 1 - DSO_MONTHS);
  const since = from < dsoFrom ? from : dsoFrom;
  const { cash, dues } = await monthlyOf(db, { sites: sql`(select s.id from sites s where ${inScope(scope, sql.raw("s.id"))} ${codeWhere})`, several: homeCte(scope, codeWhere, true) }, { from, since, to });
  for (const c of cash) {
    const line = acc(c.sid)?.figures.cash.find((x) => x.month === c.m);
    if (line) line.amountCents = Number(c.cents);
  }
  for (const d of dues) {
    const a = acc(d.sid);
    if (!a) continue;
    if (d.m >= dsoFrom.slice(0, 7)) a.sales.set(d.m, Number(d.sales));
    const line = a.figures.cohorts.find((x) => x.month === d.m);
    if (line) Object.assign(line, { dueCents: Number(d.due), paid15Cents: Number(d.p15), paid30Cents: Number(d.p30), paid60Cents: Number(d.p60) });
  }

  // Promises: every promise (not corrected) of the customers counted, by case, kept or broken by the engine's rule.
  const [promised] = await db.all<{ doc: string | null }>(sql`
    select json_group_array(json_array(x.sid, x.key, x.made, x.promised, x.status, x.cid, x.at, x.id)) as doc from (
      select ${siteOf("a.customer_id")} as sid, coalesce(a.case_id, a.customer_id) as key, substr(a.happened_at, 1, 10) as made,
        json_extract(a.data, '$.promisedOn') as promised, k.status, a.customer_id as cid, a.happened_at as at, a.id
      from actions a left join cases k on k.id = a.case_id
      where a.kind = 'promise' and a.rejected_reason is null and json_extract(a.data, '$.promisedOn') is not null and ${notCorrectedSql(sql.raw("a.id"))}) x
    where x.sid is not null`);
  const promises = (JSON.parse(promised?.doc ?? "[]") as [string, string, string, string, string | null, string, string, string][]).sort((x, y) => cmp(x[6], y[6]) || cmp(x[7], y[7]));
  const byCase = new Map<string, { sid: string } & CasePromises>();
  for (const [sid, key, madeOn, promisedOn, status, cid] of promises) {
    // Owed: a case paid is not; one open owes while the balance is above nil; one closed otherwise (written off,
    // contract ended) still owes.
    const owed = status === "paid" ? false : status === null || status === "open" ? (ledger.balances.get(cid) ?? 0) > 0 : true;
    const c = byCase.get(key) ?? { sid, promises: [], owed };
    c.promises.push({ madeOn, promisedOn });
    byCase.set(key, c);
  }
  for (const c of byCase.values()) acc(c.sid)?.promiseCases.push(c);

  // Receivables at `to`: today's are the follow-up's balances; an earlier day's, invoices due by then minus payments by then.
  if (to < today) {
    const owed = await db.all<{ sid: string; cents: number }>(sql`with ${home}
      select sid, sum(max(b, 0)) as cents from (select h.sid,
        coalesce((select sum(i.amount_cents) from invoices i where i.customer_id = h.cid and i.due_date <= ${to}), 0)
        - coalesce((select sum(p.amount_cents) from payments p where p.customer_id = h.cid and +p.status = 'ok' and +p.date <= ${to}), 0) as b
      from home h) group by sid`);
    for (const a of per.values()) a.receivableNow = 0;
    for (const o of owed) {
      const a = acc(o.sid);
      if (a) a.receivableNow = Number(o.cents);
    }
  }

  const writtenOff = await db.all<{ sid: string; cents: number }>(sql`
    select sid, -sum(cents) as cents from (select ${siteOf("i.customer_id")} as sid, i.amount_cents as cents from invoices i
      where i.source = 'cadenas' and i.kind = 'write_off' and i.issue_date between ${from} and ${to})
    where sid is not null group by sid`);
  for (const w of writtenOff) {
    const a = acc(w.sid);
    if (a) a.figures.writtenOffCents = Number(w.cents);
  }
  const handed = await db.all<{ sid: string; n: number; cents: number }>(sql`
    select sid, count(*) as n, sum(cents) as cents from (select ${siteOf("ho.customer_id")} as sid, ho.amount_cents as cents from hand_overs ho
      where ho.handed_on between ${from} and ${to})
    where sid is not null group by sid`);
  for (const x of handed) {
    const a = acc(x.sid);
    if (a) a.figures.handedOver = { count: Number(x.n), amountCents: Number(x.cents) };
  }

  const dsoMonths = monthsOf(dsoFrom, to).reverse();
  const finish = (a: Acc): DashboardFigures => ({
    ...a.figures,
    agedBalance: agedBalance(a.aged),
    funnel: funnel(a.funnel),
    promises: promiseCounts(a.promiseCases, from, to, today),
    receivableCents: a.receivableNow,
    dsoDays: countbackDso(a.receivableNow, dsoMonths.map((m) => ({ salesCents: a.sales.get(m) ?? 0, days: daysCounted(m, to) }))),
    cohorts: closeCohorts(a.figures.cohorts, today),
  });
  const bySite = siteRows.map((s) => ({ site: { code: s.code, name: s.name }, figures: finish(per.get(s.id)!) }));
  const sums = addFigures(bySite.map((b) => b.figures), months);
  const allSales = new Map<string, number>();
  for (const a of per.values()) for (const [m, cents] of a.sales) allSales.set(m, (allSales.get(m) ?? 0) + cents);
  const all: DashboardFigures = {
    ...sums,
    cohorts: closeCohorts(sums.cohorts, today),
    dsoDays: countbackDso(sums.receivableCents, dsoMonths.map((m) => ({ salesCents: allSales.get(m) ?? 0, days: daysCounted(m, to) }))),
  };
  return { asOf: today, from, to, sites: siteRows.map((s) => ({ code: s.code, name: s.name })), all, bySite };
}

type CashRow = { sid: string; m: string; cents: number };
type DueRow = { sid: string; m: string; sales: number; due: number; p15: number; p30: number; p60: number };
interface Monthly {
  cash: CashRow[];
  dues: DueRow[];
}

/**
 * Payments per site and month (`from`–`to`); invoices per site and due month: all of them from `since` (the countback's
 * sales), and from `from` with what was paid on each within 15/30/60 days of its due date, at most its amount (the
 * cohorts). Customers of one site are read from the sums the triggers keep per site and day (`ledger_days`: a year
 * of a chain is some 20,000 rows, not two million); those with boxes at several sites (`several`, placed at the first
 * of the sites asked for) from their own rows.
 */
async function monthlyOf(db: Database, where: { sites: SQL; several: SQL }, p: { from: CalendarDate; since: CalendarDate; to: CalendarDate }): Promise<Monthly> {
  const cash = await db.all<CashRow>(sql`with ${where.several}
    select sid, m, sum(cents) as cents from (
      select d.site_id as sid, substr(d.day, 1, 7) as m, d.cash_cents as cents from ledger_days d where d.site_id in ${where.sites} and d.day between ${p.from} and ${p.to}
      union all
      select h.sid, substr(p.date, 1, 7), p.amount_cents from home h join payments p on p.customer_id = h.cid where +p.status = 'ok' and p.date between ${p.from} and ${p.to})
    group by sid, m`);
  const cohort = (column: SQL) => sql`case when day >= ${p.from} then ${column} else 0 end`;
  const dues = await db.all<DueRow>(sql`with ${where.several}
    select sid, substr(day, 1, 7) as m, sum(due) as sales, sum(${cohort(sql.raw("due"))}) as due,
      sum(${cohort(sql.raw("p15"))}) as p15, sum(${cohort(sql.raw("p30"))}) as p30, sum(${cohort(sql.raw("p60"))}) as p60 from (
      select d.site_id as sid, d.day, d.due_cents as due, d.paid15_cents as p15, d.paid30_cents as p30, d.paid60_cents as p60
      from ledger_days d where d.site_id in ${where.sites} and d.day between ${p.since} and ${p.to}
      union all
      select h.sid, i.due_date, i.amount_cents, min(i.amount_cents, i.paid15_cents), min(i.amount_cents, i.paid30_cents), min(i.amount_cents, i.paid60_cents)
      from home h join invoices i on i.customer_id = h.cid where i.amount_cents > 0 and i.due_date between ${p.since} and ${p.to})
    group by sid, m`);
  return { cash, dues };
}

/** What one site's figures are made of before the arithmetic of compute.ts. */
interface Acc {
  figures: DashboardFigures;
  aged: AgedRow[];
  funnel: FunnelGroup[];
  promiseCases: CasePromises[];
  receivableNow: number;
  sales: Map<string, number>;
}

function emptyAcc(months: readonly string[]): Acc {
  return {
    figures: {
      agedBalance: [],
      funnel: [],
      payoff: PAYOFF_STEPS.map((step) => ({ step, count: 0, paid7Cents: 0, paid15Cents: 0, casesPaid: 0 })),
      cash: months.map((month) => ({ month, amountCents: 0 })),
      cohorts: months.map((month) => ({ month, dueCents: 0, paid15Cents: 0, paid30Cents: 0, paid60Cents: 0 })),
      promises: { kept: 0, broken: 0, pending: 0 },
      dsoDays: null,
      receivableCents: 0,
      writtenOffCents: 0,
      handedOver: { count: 0, amountCents: 0 },
    },
    aged: [],
    funnel: [],
    promiseCases: [],
    receivableNow: 0,
    sales: new Map(),
  };
}

/**
 * The site a customer counts at (null: none of his boxes is at the sites counted), for queries over a few thousand
 * rows; `homeCte` for those over every customer. The same order.
 */
function siteOfSql(scope: Scope, codeWhere: SQL, customerId: SQL): SQL {
  return sql`(select u.site_id from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
    where ct.customer_id = ${customerId} and ${inScope(scope, sql.raw("u.site_id"))} ${codeWhere}
    order by ct.end_date is not null, s.code, u.number limit 1)`;
}

/**
 * `home(cid, sid)`: each customer with a box at the sites counted, and the site of his first box there — boxes still
 * rented first, then by site code and box number, the order of the follow-up table's row. `severalSitesOnly`: only
 * customers with boxes at several sites, those the sums of `ledger_days` leave out.
 */
function homeCte(scope: Scope, codeWhere: SQL, severalSitesOnly = false): SQL {
  const several = severalSitesOnly ? sql`and ct.customer_id in (select customer_id from ledger_homes where site_id is null)` : sql``;
  return sql`home(cid, sid) as materialized (select customer_id, site_id from (
      select ct.customer_id, u.site_id, row_number() over (partition by ct.customer_id order by ct.end_date is not null, s.code, u.number) as r
      from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
      where ${inScope(scope, sql.raw("u.site_id"))} ${codeWhere} ${several}) where r = 1)`;
}
