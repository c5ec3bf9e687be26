import { sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { createdAt, id, updatedAt } from "../db/columns";

/** A follow-up view saved under a name by one user (each user sees only their own): the table's URL query. */
export const savedViews = sqliteTable(
  "saved_views",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    /** The view's query string, as the table's URL carries it (`level=R2&late=31-45`). */
    query: text("query").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("saved_views_user_name").on(t.userId, t.name)],
);
