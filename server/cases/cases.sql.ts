import { sql } from "drizzle-orm";
import { index, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ACTION_KINDS, CALL_OUTCOMES, CASE_STATUSES, LEVELS, TASK_KINDS, TASK_STATUSES } from "../../shared/enums";
import { users } from "../auth/auth.sql";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { customers } from "../customers/customers.sql";
import { sites, units } from "../sites/sites.sql";

/**
 * A *dossier impayé*: at most one open per customer. `anchorOn` is J0, the due date of the oldest unpaid
 * invoice, which every step of the scenario counts from; it moves when a partial payment settles that invoice.
 */
export const cases = sqliteTable(
  "cases",
  {
    id: id(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    status: text("status", { enum: CASE_STATUSES }).notNull().default("open"),
    openedOn: text("opened_on").notNull(),
    anchorOn: text("anchor_on").notNull(),
    level: text("level", { enum: LEVELS }).notNull().default("none"),
    /** Code of the last scenario step reached (`R1`, `lockout`, `exit`…). */
    stage: text("stage"),
    closedOn: text("closed_on"),
    /** Handed over to a bailiff or a collection agency (`hand_overs`): the engine leaves the case alone from then. */
    handedOverAt: text("handed_over_at"),
    handOverId: text("hand_over_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("cases_one_open_per_customer").on(t.customerId).where(sql`${t.status} = 'open'`),
    index("cases_customer").on(t.customerId),
    index("cases_status").on(t.status),
    index("cases_closed_on").on(t.closedOn),
    oneOf("cases_status_check", t.status, CASE_STATUSES),
    oneOf("cases_level_check", t.level, LEVELS),
  ],
);

/**
 * The append-only history of what was done: calls, messages, padlocks, answers. Rows made on a phone carry
 * the id of the sync mutation that made them, so a retried push cannot write them twice.
 */
export const actions = sqliteTable(
  "actions",
  {
    id: id(),
    caseId: text("case_id").references(() => cases.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    siteId: text("site_id").references(() => sites.id),
    unitId: text("unit_id").references(() => units.id),
    /** Null for what the system did by itself. */
    userId: text("user_id").references(() => users.id),
    /** The author's initials at the time, as the billing software's log shows them. */
    initials: text("initials").notNull(),
    kind: text("kind", { enum: ACTION_KINDS }).notNull(),
    outcome: text("outcome", { enum: CALL_OUTCOMES }),
    text: text("text").notNull(),
    /** When it happened (the phone's clock for floor actions). */
    happenedAt: text("happened_at").notNull(),
    /** When the server stored it. */
    recordedAt: createdAt(),
    deviceId: text("device_id"),
    mutationId: text("mutation_id").unique(),
    /**
     * Set when the event is kept but could not take effect: a padlock placed on a unit another phone had
     * already padlocked. Recomputed whenever an earlier event of the same unit arrives later.
     */
    rejectedReason: text("rejected_reason"),
    /** Kind-specific facts (promise date and amount, padlock number, photo hashes…), JSON. */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    /**
     * On a correction: the entry it cancels. That entry's row is never changed (history stays append-only); it
     * reads as corrected because a row names it here, and at most one may.
     */
    correctsId: text("corrects_id"),
  },
  (t) => [
    index("actions_customer_happened").on(t.customerId, t.happenedAt),
    uniqueIndex("actions_corrects").on(t.correctsId),
    index("actions_case").on(t.caseId),
    index("actions_unit").on(t.unitId),
    oneOf("actions_kind", t.kind, ACTION_KINDS),
  ],
);

/** Something a person must do on a site: a call, a padlock to place or remove, a box to open. */
export const tasks = sqliteTable(
  "tasks",
  {
    id: id(),
    siteId: text("site_id")
      .notNull()
      .references(() => sites.id),
    caseId: text("case_id").references(() => cases.id),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    unitId: text("unit_id").references(() => units.id),
    kind: text("kind", { enum: TASK_KINDS }).notNull(),
    stepCode: text("step_code"),
    /** What the office asks the floor to do (`office_request`), in its words. */
    note: text("note"),
    /** Who asked for it (an office request); null for the engine's tasks. */
    createdBy: text("created_by").references(() => users.id),
    dueOn: text("due_on").notNull(),
    status: text("status", { enum: TASK_STATUSES }).notNull().default("open"),
    doneAt: text("done_at"),
    doneBy: text("done_by").references(() => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("tasks_site_status_due").on(t.siteId, t.status, t.dueOn),
    index("tasks_customer").on(t.customerId),
    oneOf("tasks_kind", t.kind, TASK_KINDS),
    oneOf("tasks_status", t.status, TASK_STATUSES),
  ],
);
