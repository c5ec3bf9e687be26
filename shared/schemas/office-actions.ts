import { z } from "zod";
import { SEGMENTS } from "../enums";
import { CalendarDate, Id, Instant } from "./common";

/**
 * What the office and the Managers decide on customers from their desk — stop / resume, dispute (*litige*), the
 * scenario, a message from a template, a task for the floor — on one customer (the debtor page) or on a selection
 * of the follow-up table (all or nothing). Each lands in the customer's history.
 */

/** Why the office acts: written in the history and shown on the phone. */
export const OfficeNote = z.string().trim().min(3, "au moins 3 caractères").max(500, "500 caractères au plus");

export const DisputeBody = z
  .object({
    /** True: put in dispute; false: lift it. */
    dispute: z.boolean(),
    note: OfficeNote,
  })
  .meta({ id: "DisputeBody" });
export type DisputeBody = z.infer<typeof DisputeBody>;

/** Where a customer stands after an office action. */
export const OfficeState = z
  .object({
    customerId: Id,
    ref: z.string(),
    name: z.string(),
    /** On stop in the billing software (its import). */
    billingStop: z.boolean(),
    /** On stop by the office. */
    officeStop: z.object({ since: Instant, note: z.string() }).nullable(),
    dispute: z.object({ since: Instant, note: z.string() }).nullable(),
    scenario: z.enum(SEGMENTS),
    legalHold: z.string().nullable(),
  })
  .meta({ id: "OfficeState" });
export type OfficeState = z.infer<typeof OfficeState>;

export const BULK_ACTION_KINDS = ["stop", "resume", "dispute", "scenario", "template", "task"] as const;
export type BulkActionKind = (typeof BULK_ACTION_KINDS)[number];

export const BulkAction = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("stop"), note: OfficeNote }),
  z.object({ kind: z.literal("resume"), note: OfficeNote }),
  z.object({ kind: z.literal("dispute"), note: OfficeNote }),
  z.object({ kind: z.literal("scenario"), scenario: z.enum(SEGMENTS) }),
  z.object({ kind: z.literal("template"), channel: z.enum(["sms", "email"]), templateCode: z.string().min(1).max(60) }),
  z.object({ kind: z.literal("task"), text: OfficeNote, dueOn: CalendarDate.optional() }),
]);
export type BulkAction = z.infer<typeof BulkAction>;

export const BULK_MAX = 10_000;

export const BulkBody = z
  .object({
    /** Chosen by the client once per request: a retried request does nothing twice (and queues no message twice). */
    requestId: Id,
    /** The rows ticked… */
    customerIds: z.array(Id).min(1).max(BULK_MAX).optional(),
    /** …or every row of a view: the follow-up table's query string (`level=R2&site=LYO`). */
    view: z.string().max(4000).optional(),
    action: BulkAction,
  })
  .refine((b) => (b.customerIds === undefined) !== (b.view === undefined), { message: "soit customerIds, soit view", path: ["customerIds"] })
  .meta({ id: "BulkBody" });
export type BulkBody = z.infer<typeof BulkBody>;

/** A customer the action was refused for; ref and name are left out for a customer the user may not see. */
export const BulkRefusal = z.object({ customerId: z.string(), ref: z.string().nullable(), name: z.string().nullable(), reason: z.string() });
export type BulkRefusal = z.infer<typeof BulkRefusal>;

export const BulkResponse = z
  .object({
    /** How many customers the action was applied to. */
    done: z.number().int(),
    /** True when this request had already been carried out (a retry): nothing was written again. */
    replayed: z.boolean(),
  })
  .meta({ id: "BulkResponse" });
export type BulkResponse = z.infer<typeof BulkResponse>;

// ————— Saved views —————

export const SavedView = z.object({ id: Id, name: z.string(), query: z.string(), updatedAt: Instant }).meta({ id: "SavedView" });
export type SavedView = z.infer<typeof SavedView>;

export const SavedViewBody = z
  .object({
    name: z.string().trim().min(1, "un nom").max(80, "80 caractères au plus"),
    /** The follow-up table's query string. */
    query: z.string().max(4000),
  })
  .meta({ id: "SavedViewBody" });
export type SavedViewBody = z.infer<typeof SavedViewBody>;

export const SavedViewsResponse = z.object({ views: z.array(SavedView) }).meta({ id: "SavedViewsResponse" });
export type SavedViewsResponse = z.infer<typeof SavedViewsResponse>;

export const SavedViewSaved = z.object({ view: SavedView, replaced: z.boolean() }).meta({ id: "SavedViewSaved" });
export type SavedViewSaved = z.infer<typeof SavedViewSaved>;
