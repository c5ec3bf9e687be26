import { z } from "zod";
import { CUSTOMER_KINDS, LEVELS, SEGMENTS } from "../enums";
import { CalendarDate, Cents, Id, Instant } from "./common";

/**
 * The office's follow-up table (*Suivi des impayés*): every customer with a debit balance or an open case across the
 * user's sites, one row each, answered by the server a page at a time. The filters are the page's URL query, so a
 * view can be bookmarked, shared and saved; the same query drives the CSV/XLSX exports and the bulk actions'
 * selection "all rows of this view".
 */

/** Days-late buckets, as the aged-balance chart draws them (a bar opens the table filtered to it). */
export const LATE_BUCKETS = ["0-15", "16-30", "31-45", "46-60", "60+"] as const;
export type LateBucket = (typeof LATE_BUCKETS)[number];

export const PROMISE_STATES = ["none", "pending", "kept", "broken"] as const;
export const FOLLOW_UP_SORTS = ["name", "ref", "site", "balance", "oldestDue", "daysLate", "level", "nextStepOn", "lastActionAt"] as const;
export type FollowUpSort = (typeof FOLLOW_UP_SORTS)[number];

/** A list in a query string: `site=LYO,VIL` (or the parameter repeated). */
export const queryList = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || v === "" ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter((s) => s !== "")), z.array(item).max(200).optional());
const flag = z.enum(["yes", "no"]).optional();
/** Euros as typed in France or in a link: `1234,5` or `1234.5`. */
const euros = z.preprocess((v) => (typeof v !== "string" ? v : v.trim() === "" ? undefined : v.replace(/\s/g, "").replace(",", ".")), z.coerce.number("un montant en euros").min(0).max(10_000_000).optional());

export const FollowUpQuery = z
  .object({
    /** Site codes; unset: every site of the user. */
    site: queryList(z.string().min(1).max(20)),
    level: queryList(z.enum(LEVELS)),
    /** The case's current stage code (the scenario's step), e.g. `R2`, `padlock`. */
    stage: queryList(z.string().min(1).max(40)),
    scenario: queryList(z.enum(SEGMENTS)),
    kind: queryList(z.enum(CUSTOMER_KINDS)),
    /** Balance in euros (decimal point or comma), inclusive. */
    minBalance: euros,
    maxBalance: euros,
    lateBucket: queryList(z.enum(LATE_BUCKETS)),
    promise: queryList(z.enum(PROMISE_STATES)),
    padlock: flag,
    /** On stop: in the billing software or by the office (no automatic step). */
    stop: flag,
    /** In dispute (*litige*). */
    dispute: flag,
    /** No action recorded for at least this many days. */
    idleDays: z.coerce.number().int().min(1).max(3650).optional(),
    /** Name, ref, box number, phone or e-mail; accents and case ignored. */
    q: z.string().trim().max(100).optional(),
    sort: z.enum(FOLLOW_UP_SORTS).default("daysLate"),
    dir: z.enum(["asc", "desc"]).default("desc"),
    offset: z.coerce.number().int().min(0).default(0),
    /** The answer's `nextCursor`: the next page (instead of `offset`). */
    cursor: z.string().regex(/^\d{1,7}$/, "un curseur rendu par la page précédente").optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .meta({ id: "FollowUpQuery" });
export type FollowUpQuery = z.infer<typeof FollowUpQuery>;

export const FollowUpRow = z
  .object({
    customerId: Id,
    ref: z.string(),
    name: z.string(),
    kind: z.enum(CUSTOMER_KINDS),
    scenario: z.enum(SEGMENTS),
    site: z.object({ id: Id, code: z.string(), name: z.string() }),
    units: z.array(z.string()),
    balanceCents: Cents,
    oldestDueOn: CalendarDate.nullable(),
    daysLate: z.number().int(),
    caseId: Id.nullable(),
    level: z.enum(LEVELS),
    stage: z.string().nullable(),
    nextStep: z.object({ code: z.string(), on: CalendarDate }).nullable(),
    promise: z.object({ on: CalendarDate, amountCents: Cents, state: z.enum(PROMISE_STATES) }).nullable(),
    paymentPlan: z.boolean(),
    padlock: z.boolean(),
    gateSuspended: z.boolean(),
    lastAction: z.object({ at: Instant, initials: z.string(), text: z.string() }).nullable(),
    /** On stop: in the billing software or by the office. */
    stop: z.boolean(),
    dispute: z.object({ since: Instant, note: z.string() }).nullable(),
    /** The open case was handed over to a bailiff or an agency (the engine leaves it alone). */
    handedOverAt: Instant.nullable(),
  })
  .meta({ id: "FollowUpRow" });
export type FollowUpRow = z.infer<typeof FollowUpRow>;

export const FollowUpResponse = z
  .object({
    asOf: CalendarDate,
    /** Rows matching the filters, all pages together, and their balance. */
    total: z.number().int(),
    totalBalanceCents: Cents,
    offset: z.number().int(),
    /** Pass as `cursor` for the next page; null on the last. */
    nextCursor: z.string().nullable(),
    rows: z.array(FollowUpRow),
  })
  .meta({ id: "FollowUpResponse" });
export type FollowUpResponse = z.infer<typeof FollowUpResponse>;
