import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";

/** Who did what to the system itself (sign-ins, imports, settings), apart from the case history in `actions`. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull(),
    userId: text("user_id").references(() => users.id),
    event: text("event").notNull(),
    entity: text("entity"),
    entityId: text("entity_id"),
    /** The address the request came from (null: the server itself). */
    address: text("address"),
    /** What changed: for an edit, `{ before, after }` of the fields that changed. */
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_log_at").on(t.at), index("audit_log_user").on(t.userId)],
);
