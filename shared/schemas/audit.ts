import { z } from "zod";
import { CalendarDate, Id, Instant } from "./common";

/** The audit log's filters: each one narrows, they combine. Dates are the site calendar's (`from`…`to` included). */
export const AuditQuery = z
  .object({
    /** An event (`user.updated`) or a family of events (`user`). */
    event: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)?$/, "must be an event such as user or user.updated")
      .optional(),
    userId: Id.optional(),
    entity: z.string().max(40).optional(),
    from: CalendarDate.optional(),
    to: CalendarDate.optional(),
    /** The page after this entry (its id), for "Voir plus". */
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .meta({ id: "AuditQuery" });
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntryItem = z
  .object({
    id: z.number().int(),
    at: Instant,
    user: z.object({ id: Id, name: z.string(), initials: z.string() }).nullable(),
    address: z.string().nullable(),
    event: z.string(),
    entity: z.string().nullable(),
    entityId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "AuditEntryItem" });
export type AuditEntryItem = z.infer<typeof AuditEntryItem>;

export const AuditResponse = z
  .object({
    entries: z.array(AuditEntryItem),
    /** Pass as `before` for the next page; null at the end. */
    next: z.number().int().nullable(),
    /** Every event name the log holds, for the filter. */
    events: z.array(z.string()),
  })
  .meta({ id: "AuditResponse" });
export type AuditResponse = z.infer<typeof AuditResponse>;
