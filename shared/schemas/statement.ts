import { z } from "zod";
import { CalendarDate, Id } from "./common";

/** `?at=YYYY-MM-DD`: the statement's date; unset, today in the user's zone. */
export const StatementQuery = z.object({ at: CalendarDate.optional() }).meta({ id: "StatementQuery" });
export type StatementQuery = z.infer<typeof StatementQuery>;

/** Sending the statement by e-mail: at a date (unset: today). */
export const StatementEmailBody = z.object({ at: CalendarDate.optional() }).meta({ id: "StatementEmailBody" });
export type StatementEmailBody = z.infer<typeof StatementEmailBody>;

/**
 * The e-mail put in the outbox (queued: it goes when the outbox sends, after its usual checks), or the one already
 * queued for this customer and date (`alreadyQueued`: a second click sends nothing more).
 */
export const StatementEmailResponse = z
  .object({
    messageId: Id,
    at: CalendarDate,
    recipient: z.string(),
    status: z.string(),
    alreadyQueued: z.boolean(),
  })
  .meta({ id: "StatementEmailResponse" });
export type StatementEmailResponse = z.infer<typeof StatementEmailResponse>;
