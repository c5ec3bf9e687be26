import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The first run's setup codes, as hashes: each process started on an empty database prints one in its log and
 * keeps its hash here, so the code works whichever process the first-run page's request reaches (several processes
 * behind a proxy). Wrong codes count for all of them; gone once the first account exists.
 */
export const setupCodes = sqliteTable("setup_codes", {
  hash: text("hash").primaryKey(),
  failures: integer("failures").notNull().default(0),
  createdAt: text("created_at").notNull(),
});
