import { sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A job that must run once across every API process on one database — the migrations, a zone's daily engine run —
 * holds a named lease while it works (server/system/leases.ts). Times are the database's clock. Created before the
 * migrations too (`ensureLeasesTable`), since the migrations themselves run under a lease.
 */
export const leases = sqliteTable("leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  until: text("until").notNull(),
  takenAt: text("taken_at").notNull(),
});
