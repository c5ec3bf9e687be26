// The dashboards' arithmetic, plain TypeScript over what the queries added up (figures.ts): bucketing, the funnel,
// promises kept or broken, countback DSO, and adding sites together. Tested fast in tests/unit/server/dashboard.test.ts.
import { addDays, daysBetween, lastDayOfMonth, type CalendarDate } from "../../shared/dates";
import { brokenPromiseCount, latestBroken, withReplacement, type PromiseMade } from "../../shared/engine/promises";
import { FUNNEL_STAGES, PAYOFF_STEPS, type DashboardFigures, type FunnelStage } from "../../shared/schemas/dashboard";
import { LATE_BUCKETS } from "../../shared/schemas/follow-up";
import { lateBucket } from "../follow-up/query";

/** A row of the follow-up table, as far as the aged balance needs it. */
export interface AgedRow {
  balanceCents: number;
  daysLate: number;
}

/** The follow-up table's rows added up per days-late bucket: a bar's amount is the table's total for that bucket. */
export function agedBalance(rows: readonly AgedRow[]): DashboardFigures["agedBalance"] {
  const out = LATE_BUCKETS.map((bucket) => ({ bucket, amountCents: 0, count: 0 }));
  for (const r of rows) {
    const b = out[LATE_BUCKETS.indexOf(lateBucket(r.daysLate))]!;
    b.amountCents += r.balanceCents;
    b.count++;
  }
  return out;
}

/** Cases of the period grouped by the stages they reached (`n` of them), and whether they were closed as paid. */
export interface FunnelGroup {
  R1: boolean;
  padlock: boolean;
  R2: boolean;
  R3: boolean;
  exit: boolean;
  paid: boolean;
  n: number;
}

/**
 * How many cases reached each stage, and how many were paid at it: paid while that was the furthest stage they had
 * reached (a case paid after R2 counts at R2, not at R1), so the "paid" column adds up to the cases paid.
 */
export function funnel(groups: readonly FunnelGroup[]): DashboardFigures["funnel"] {
  const out = FUNNEL_STAGES.map((stage) => ({ stage, reached: 0, paid: 0 }));
  for (const g of groups) {
    let furthest: FunnelStage = "opened";
    for (const stage of FUNNEL_STAGES) {
      if (stage === "opened" || g[stage]) {
        out[FUNNEL_STAGES.indexOf(stage)]!.reached += g.n;
        furthest = stage;
      }
    }
    if (g.paid) out[FUNNEL_STAGES.indexOf(furthest)]!.paid += g.n;
  }
  return out;
}

/** A case's promises (not corrected), whether its debt is still owed, as the engine's promise rule reads them. */
export interface CasePromises {
  promises: PromiseMade[];
  owed: boolean;
}

/**
 * Promises of the cases whose latest promise was made between `from` and `to`: broken ones counted by the engine's
 * rule (`brokenPromiseCount`: replaced after their day, or the latest past its week of grace, while owed); the
 * latest promise of a case no longer owing is kept; one still owed and not yet broken is pending.
 */
export function promiseCounts(cases: readonly CasePromises[], from: CalendarDate, to: CalendarDate, today: CalendarDate): DashboardFigures["promises"] {
  const out = { kept: 0, broken: 0, pending: 0 };
  for (const c of cases) {
    const latest = withReplacement(c.promises).at(-1);
    if (!latest || latest.madeOn < from || latest.madeOn > to) continue;
    out.broken += brokenPromiseCount(c.promises, today, c.owed);
    if (!c.owed) out.kept++;
    else if (!latestBroken(latest, today)) out.pending++;
  }
  return out;
}

/** What was billed (fell due) in one month, and the days of it counted (the last month may be cut at `to`). */
export interface MonthSales {
  salesCents: number;
  days: number;
}

/**
 * Days sales outstanding by the countback method: from the last month back, whole months whose sales the receivables
 * cover count all their days, and the month that covers the rest counts its share of days. Receivables older than
 * every month given count the months given (the DSO is at least that). Null when nothing is owed and nothing billed.
 */
export function countbackDso(receivableCents: number, newestFirst: readonly MonthSales[]): number | null {
  if (receivableCents <= 0) return newestFirst.some((m) => m.salesCents > 0) ? 0 : null;
  let left = receivableCents;
  let days = 0;
  for (const m of newestFirst) {
    if (m.salesCents <= 0) {
      days += m.days;
      continue;
    }
    if (left <= m.salesCents) return Math.round((days + (left / m.salesCents) * m.days) * 10) / 10;
    left -= m.salesCents;
    days += m.days;
  }
  return days;
}

/** The months of `from`–`to` as `YYYY-MM`, oldest first. */
export function monthsOf(from: CalendarDate, to: CalendarDate): string[] {
  const out: string[] = [];
  for (let m = `${from.slice(0, 7)}-01`; m <= to; m = addDays(lastDayOfMonth(m), 1)) out.push(m.slice(0, 7));
  return out;
}

/** The days of month `month` (`YYYY-MM`) up to `to`, that month's share of the countback. */
export function daysCounted(month: string, to: CalendarDate): number {
  const first = `${month}-01`;
  const last = lastDayOfMonth(first);
  return daysBetween(first, last < to ? last : to) + 1;
}

/** A cohort's window is over when the month's last due date plus the window is on or before today. */
export function windowOver(month: string, days: number, today: CalendarDate): boolean {
  return addDays(lastDayOfMonth(`${month}-01`), days) <= today;
}

/** Figures of several sites added together (DSO left to the caller: it is worked out from the sums). */
export function addFigures(all: readonly DashboardFigures[], months: readonly string[]): DashboardFigures {
  const sum = (f: (x: DashboardFigures) => number) => all.reduce((s, x) => s + f(x), 0);
  return {
    agedBalance: LATE_BUCKETS.map((bucket, i) => ({ bucket, amountCents: sum((x) => x.agedBalance[i]!.amountCents), count: sum((x) => x.agedBalance[i]!.count) })),
    funnel: FUNNEL_STAGES.map((stage, i) => ({ stage, reached: sum((x) => x.funnel[i]!.reached), paid: sum((x) => x.funnel[i]!.paid) })),
    payoff: PAYOFF_STEPS.map((step, i) => ({
      step,
      count: sum((x) => x.payoff[i]!.count),
      paid7Cents: sum((x) => x.payoff[i]!.paid7Cents),
      paid15Cents: sum((x) => x.payoff[i]!.paid15Cents),
      casesPaid: sum((x) => x.payoff[i]!.casesPaid),
    })),
    cash: months.map((month, i) => ({ month, amountCents: sum((x) => x.cash[i]!.amountCents) })),
    // Summed as numbers: `closeCohorts` then blanks the windows not over yet.
    cohorts: months.map((month, i) => ({
      month,
      dueCents: sum((x) => x.cohorts[i]!.dueCents),
      paid15Cents: sum((x) => x.cohorts[i]!.paid15Cents ?? 0),
      paid30Cents: sum((x) => x.cohorts[i]!.paid30Cents ?? 0),
      paid60Cents: sum((x) => x.cohorts[i]!.paid60Cents ?? 0),
    })),
    promises: { kept: sum((x) => x.promises.kept), broken: sum((x) => x.promises.broken), pending: sum((x) => x.promises.pending) },
    dsoDays: null,
    receivableCents: sum((x) => x.receivableCents),
    writtenOffCents: sum((x) => x.writtenOffCents),
    handedOver: { count: sum((x) => x.handedOver.count), amountCents: sum((x) => x.handedOver.amountCents) },
  };
}

/** A cohort's share within a window is not known before the window is over for the whole month: null until then. */
export function closeCohorts(cohorts: DashboardFigures["cohorts"], today: CalendarDate): DashboardFigures["cohorts"] {
  return cohorts.map((c) => ({
    ...c,
    paid15Cents: windowOver(c.month, 15, today) ? c.paid15Cents : null,
    paid30Cents: windowOver(c.month, 30, today) ? c.paid30Cents : null,
    paid60Cents: windowOver(c.month, 60, today) ? c.paid60Cents : null,
  }));
}
