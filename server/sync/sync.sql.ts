import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "../auth/auth.sql";
import { createdAt, oneOf } from "../db/columns";

/** One phone (one browser profile) of one user; `lastSeq` is the highest of its mutations the server processed. */
export const syncClients = sqliteTable("sync_clients", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id),
  lastSeq: integer("last_seq").notNull().default(0),
  createdAt: createdAt(),
  lastSeenAt: text("last_seen_at").notNull(),
  /** How many actions the phone said were still waiting on it, with its last report of a set-aside action. */
  reportedPending: integer("reported_pending"),
  reportedAt: text("reported_at"),
});

export const MUTATION_OUTCOMES = ["applied", "rejected"] as const;

/**
 * Every mutation the server has processed, written in the same transaction as its effect: a mutation pushed
 * again (a retry after a lost answer) finds its row and is answered `duplicate` with what happened the first time.
 */
export const processedMutations = sqliteTable(
  "processed_mutations",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull(),
    seq: integer("seq").notNull(),
    kind: text("kind").notNull(),
    outcome: text("outcome", { enum: MUTATION_OUTCOMES }).notNull(),
    reasonCode: text("reason_code"),
    reasonMessage: text("reason_message"),
    processedAt: text("processed_at").notNull(),
  },
  (t) => [index("processed_mutations_client_seq").on(t.clientId, t.seq), oneOf("processed_mutations_outcome", t.outcome, MUTATION_OUTCOMES)],
);

/**
 * The change feed phones pull from: a row each time something a debtor's document shows changes, for each site
 * the customer rents at. A pull reads the rows after its cursor at the user's sites, so its cost follows the
 * changes, not the size of the database.
 */
export const syncChanges = sqliteTable(
  "sync_changes",
  {
    version: integer("version").primaryKey({ autoIncrement: true }),
    customerId: text("customer_id").notNull(),
    siteId: text("site_id").notNull(),
  },
  (t) => [index("sync_changes_site_version").on(t.siteId, t.version)],
);

/**
 * Mutations a phone set aside after they met a server fault again and again, as the phone reported them (outside
 * the failing push), so the office sees an action that is stuck on a phone. The phone keeps trying them; once one
 * is processed, its row in `processed_mutations` (same id) says how it went.
 */
export const setAsideMutations = sqliteTable(
  "set_aside_mutations",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    seq: integer("seq").notNull(),
    kind: text("kind").notNull(),
    summary: text("summary"),
    faults: integer("faults").notNull(),
    lastError: text("last_error"),
    firstReportedAt: text("first_reported_at").notNull(),
    reportedAt: text("reported_at").notNull(),
  },
  (t) => [index("set_aside_mutations_reported").on(t.reportedAt)],
);
