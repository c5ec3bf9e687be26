import { z } from "zod";
import {
  ACTION_KINDS,
  CALL_OUTCOMES,
  CASE_STATUSES,
  GATE_STATES,
  LEVELS,
  PADLOCK_STATES,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  TASK_KINDS,
  TASK_STATUSES,
} from "../enums";
import { CalendarDate, Cents, Id, Instant } from "./common";
import { CustomerFacts, DebtorDoc } from "./debtor-doc";

export const UnitSummary = z
  .object({
    id: Id,
    number: z.string(),
    siteId: Id,
    siteCode: z.string(),
    building: z.string().nullable(),
    aisle: z.string().nullable(),
    padlock: z.enum(PADLOCK_STATES),
    gate: z.enum(GATE_STATES),
  })
  .meta({ id: "UnitSummary" });
export type UnitSummary = z.infer<typeof UnitSummary>;

export const HistoryEntry = z
  .object({
    id: Id,
    happenedAt: Instant,
    kind: z.enum(ACTION_KINDS),
    outcome: z.enum(CALL_OUTCOMES).nullable(),
    text: z.string(),
    initials: z.string(),
    unitNumber: z.string().nullable(),
    /** Kept but without effect (a padlock already placed by someone else): left out of the billing log. */
    rejectedReason: z.string().nullable().optional(),
    /** Cancelled as a mistake by its author (initials) at `correctedAt`: kept, struck through, counts for nothing. */
    correctedBy: z.string().nullable().optional(),
    correctedAt: Instant.nullable().optional(),
  })
  .meta({ id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The debtors the floor follows at the user's sites, most urgent first. */
export const TodayResponse = z
  .object({
    asOf: CalendarDate,
    totals: z.object({ debtors: z.number().int(), balanceCents: Cents }),
    debtors: z.array(DebtorDoc),
  })
  .meta({ id: "TodayResponse" });
export type TodayResponse = z.infer<typeof TodayResponse>;

export const DebtorDetail = z
  .object({
    asOf: CalendarDate,
    customer: CustomerFacts.extend({ id: Id }),
    case: z
      .object({
        id: Id,
        status: z.enum(CASE_STATUSES),
        openedOn: CalendarDate,
        anchorOn: CalendarDate,
        daysLate: z.number().int(),
        level: z.enum(LEVELS),
        stage: z.string().nullable(),
      })
      .nullable(),
    balanceCents: Cents,
    units: z.array(
      UnitSummary.extend({
        contractRef: z.string(),
        monthlyRentCents: Cents,
        startDate: CalendarDate,
        endDate: CalendarDate.nullable(),
      }),
    ),
    invoices: z.array(
      z.object({
        id: Id,
        ref: z.string(),
        issueDate: CalendarDate,
        dueDate: CalendarDate,
        amountCents: Cents,
        paidCents: Cents,
      }),
    ),
    payments: z.array(
      z.object({
        id: Id,
        ref: z.string(),
        date: CalendarDate,
        amountCents: Cents,
        method: z.enum(PAYMENT_METHODS),
        status: z.enum(PAYMENT_STATUSES),
        reason: z.string().nullable(),
      }),
    ),
    tasks: z.array(
      z.object({
        id: Id,
        kind: z.enum(TASK_KINDS),
        dueOn: CalendarDate,
        status: z.enum(TASK_STATUSES),
        unitNumber: z.string().nullable(),
      }),
    ),
    history: z.array(HistoryEntry),
  })
  .meta({ id: "DebtorDetail" });
export type DebtorDetail = z.infer<typeof DebtorDetail>;

export const CustomerIdParam = z.object({ customerId: Id });
