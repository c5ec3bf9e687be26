import { z } from "zod";
import { CalendarDate, Cents } from "./common";
import { LATE_BUCKETS, queryList } from "./follow-up";

/**
 * The office's dashboards (*Tableau de bord*): the whole debt at a glance for the user's sites (or some of them),
 * over a chosen period. The aged balance is today's (a bar opens the follow-up table filtered to it); the other
 * figures count what happened between `from` and `to`.
 */

export const DashboardQuery = z
  .object({
    /** Site codes; unset: every site of the user. */
    site: queryList(z.string().min(1).max(20)),
    /** The period, both days included; unset: the twelve months up to today. */
    from: CalendarDate.optional(),
    to: CalendarDate.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["from"] })
  .meta({ id: "DashboardQuery" });
export type DashboardQuery = z.infer<typeof DashboardQuery>;

/** The procedure's stages in the order a case reaches them (`opened`: every case of the period). */
export const FUNNEL_STAGES = ["opened", "R1", "padlock", "R2", "R3", "exit"] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/**
 * The kinds of step "what pays off" compares: the case's first call (floor), its first SMS, the R1 e-mail, the second
 * padlock placed (floor), the R2 registered letter and the R3 formal notice (registered letter).
 */
export const PAYOFF_STEPS = ["first_call", "sms", "email_R1", "padlock", "registered_R2", "notice_R3"] as const;
export type PayoffStep = (typeof PAYOFF_STEPS)[number];

/** Days after a step whose payments are credited to it (the step's own day included). */
export const PAYOFF_WINDOWS = [7, 15] as const;
/** Days after the due date within which a cohort's invoices count as paid. */
export const COHORT_WINDOWS = [15, 30, 60] as const;

const Bucket = z.object({ bucket: z.enum(LATE_BUCKETS), amountCents: Cents, count: z.number().int() });
const Site = z.object({ code: z.string(), name: z.string() });

export const DashboardFigures = z.object({
  /** Today's balances by days late, as the follow-up table has them (its rows, its total per bucket). */
  agedBalance: z.array(Bucket),
  funnel: z.array(z.object({ stage: z.enum(FUNNEL_STAGES), reached: z.number().int(), paid: z.number().int() })),
  /**
   * Per kind of step carried out in the period: how many, the payments of their customers within 7 and 15 days of
   * the step (a payment counts for every step whose window holds it: steps on the same day share the credit), and
   * the cases closed as paid within 15 days.
   */
  payoff: z.array(z.object({ step: z.enum(PAYOFF_STEPS), count: z.number().int(), paid7Cents: Cents, paid15Cents: Cents, casesPaid: z.number().int() })),
  /** Payments received, per month of the period (`YYYY-MM`). */
  cash: z.array(z.object({ month: z.string(), amountCents: Cents })),
  /**
   * Invoices falling due in each month of the period: their amount, and how much of it was paid within 15, 30 and 60
   * days of each due date (payments that name the invoice); null while that window has not passed for the whole month.
   */
  cohorts: z.array(z.object({ month: z.string(), dueCents: Cents, paid15Cents: Cents.nullable(), paid30Cents: Cents.nullable(), paid60Cents: Cents.nullable() })),
  /** Cases with promises made in the period: broken promises (the engine's rule), cases whose debt got paid, still pending. */
  promises: z.object({ kept: z.number().int(), broken: z.number().int(), pending: z.number().int() }),
  /** Days sales outstanding at `to`, by the countback method over the months before it; null when nothing was billed. */
  dsoDays: z.number().nullable(),
  receivableCents: Cents,
  writtenOffCents: Cents,
  handedOver: z.object({ count: z.number().int(), amountCents: Cents }),
});
export type DashboardFigures = z.infer<typeof DashboardFigures>;

export const DashboardResponse = z
  .object({
    asOf: CalendarDate,
    from: CalendarDate,
    to: CalendarDate,
    /** The sites counted (those asked for among the user's). */
    sites: z.array(Site),
    all: DashboardFigures,
    /** The same figures, one site at a time (a customer counts at the site of his first box, as the table shows him). */
    bySite: z.array(z.object({ site: Site, figures: DashboardFigures })),
  })
  .meta({ id: "DashboardResponse" });
export type DashboardResponse = z.infer<typeof DashboardResponse>;
