import { z } from "zod";
import { CalendarDate, Cents, Instant } from "./common";

/**
 * What Cadenas billed or credited (fees, credit notes, write-offs), for the office to enter in the billing
 * software under the same ref: the next import then updates it instead of counting it twice.
 */
export const ToEnterItem = z
  .object({
    ref: z.string(),
    kind: z.enum(["fee", "credit_note", "write_off"]),
    customerRef: z.string(),
    customerName: z.string(),
    date: CalendarDate,
    /** Negative for a credit note or a write-off. */
    amountCents: Cents,
    /** The invoice a credit note or a write-off settles. */
    appliesTo: z.string().nullable(),
    label: z.string().nullable(),
    exportedAt: Instant.nullable(),
  })
  .meta({ id: "ToEnterItem" });
export type ToEnterItem = z.infer<typeof ToEnterItem>;

export const ToEnterResponse = z.object({ items: z.array(ToEnterItem) }).meta({ id: "ToEnterResponse" });

export const ToEnterQuery = z.object({
  /** `all`: those already taken too. Default: only those not yet taken. */
  show: z.enum(["pending", "all"]).optional(),
});

export const MarkEnteredBody = z.object({ refs: z.array(z.string().min(1)).min(1).max(5_000) }).meta({ id: "MarkEnteredBody" });
export const MarkEnteredResponse = z.object({ marked: z.number().int() }).meta({ id: "MarkEnteredResponse" });
