import { z } from "zod";
import { CUSTOMER_KINDS, LEVELS, ROLES } from "../enums";
import { PLAN_ACTIONS, PLAN_CHANNELS } from "../engine/scenarios";
import { CalendarDate, Cents, Id, Instant } from "./common";

/** One step waiting for a decision: a customer, the step, what it will do once approved. */
export const ApprovalItem = z
  .object({
    customerId: Id,
    customerRef: z.string(),
    name: z.string(),
    kind: z.enum(CUSTOMER_KINDS),
    sites: z.array(z.string()),
    balanceCents: Cents,
    level: z.enum(LEVELS),
    caseId: Id.nullable(),
    step: z.string(),
    /** The day the step fell due. */
    date: CalendarDate,
    /** The planned actions decided together (their ids go back in the decision). */
    actions: z.array(
      z.object({
        id: Id,
        /** A plan action, or the credit notes a contract's end calls for (proposed once the Manager ended it). */
        action: z.enum([...PLAN_ACTIONS, "credit_note"]),
        channel: z.enum(PLAN_CHANNELS).nullable(),
        /** Credit notes: the total and the invoices credited. */
        amountCents: Cents.optional(),
        invoices: z.array(z.string()).optional(),
      }),
    ),
    /** Who may decide: contract ends and credit notes are the Manager's. */
    decidedBy: z.enum(ROLES),
    /** The latest lines of the customer's history. */
    history: z.array(z.object({ happenedAt: Instant, initials: z.string(), text: z.string() })),
  })
  .meta({ id: "ApprovalItem" });
export type ApprovalItem = z.infer<typeof ApprovalItem>;

export const ApprovalsResponse = z.object({ items: z.array(ApprovalItem) }).meta({ id: "ApprovalsResponse" });
export type ApprovalsResponse = z.infer<typeof ApprovalsResponse>;

export const DecisionBody = z
  .object({
    decision: z.enum(["approve", "reject"]),
    /** Planned action ids, as listed (several items at once). */
    ids: z.array(Id).min(1).max(2_000),
  })
  .meta({ id: "DecisionBody" });
export type DecisionBody = z.infer<typeof DecisionBody>;

export const DecisionResponse = z.object({ decided: z.number().int() }).meta({ id: "DecisionResponse" });
