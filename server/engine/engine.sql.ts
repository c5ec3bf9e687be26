import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ScenarioStep } from "../../shared/engine/scenarios";
import { SEGMENTS } from "../../shared/enums";
import { cases } from "../cases/cases.sql";
import { createdAt, id, oneOf, updatedAt } from "../db/columns";
import { customers } from "../customers/customers.sql";

/** A reminder scenario as the office edits it; its code is a customer segment. */
export const scenarios = sqliteTable(
  "scenarios",
  {
    code: text("code", { enum: SEGMENTS }).primaryKey(),
    name: text("name").notNull(),
    steps: text("steps", { mode: "json" }).notNull().$type<ScenarioStep[]>(),
    updatedAt: updatedAt(),
  },
  (t) => [oneOf("scenarios_code", t.code, SEGMENTS)],
);

/** One run of the engine for a day: when, for which day (in which time zone), what it planned. */
export const engineRuns = sqliteTable("engine_runs", {
  id: id(),
  asOf: text("as_of").notNull(),
  /**
   * The time zone whose day it was: the daily run is one a zone, over the customers of that zone's sites. Null: a
   * run over every customer not tied to a zone (before sites had zones, a day recorded as done, a direct call).
   */
  timeZone: text("time_zone"),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  /** Nothing sent automatically: why (the last import is more than 24 h old…), else null. */
  heldReason: text("held_reason"),
  planned: integer("planned").notNull().default(0),
});

export const PLANNED_STATUSES = ["planned", "awaiting_approval", "approved", "rejected", "held", "done", "cancelled"] as const;
export type PlannedStatus = (typeof PLANNED_STATUSES)[number];

/**
 * What the engine planned, once: the unique (customer, key) — key = case opening day, step, occurrence, action —
 * is what makes a second run of the same day plan nothing new.
 */
export const plannedActions = sqliteTable(
  "planned_actions",
  {
    id: id(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    caseId: text("case_id").references(() => cases.id),
    key: text("key").notNull(),
    scenario: text("scenario").notNull(),
    step: text("step").notNull(),
    occurrence: integer("occurrence").notNull(),
    action: text("action").notNull(),
    channel: text("channel"),
    /** The day the step fell due. */
    date: text("date").notNull(),
    needsApproval: integer("needs_approval", { mode: "boolean" }).notNull(),
    status: text("status", { enum: PLANNED_STATUSES }).notNull(),
    /** Template, level, fee or task of the action. */
    detail: text("detail", { mode: "json" }).$type<Record<string, string>>(),
    runId: text("run_id").references(() => engineRuns.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("planned_actions_customer_key").on(t.customerId, t.key),
    index("planned_actions_case").on(t.caseId),
    index("planned_actions_status").on(t.status),
    oneOf("planned_actions_status_check", t.status, PLANNED_STATUSES),
  ],
);

/** A payment plan (*échéancier*) agreed with a customer; automatic steps wait while it is kept. */
export const paymentPlans = sqliteTable(
  "payment_plans",
  {
    id: id(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    agreedOn: text("agreed_on").notNull(),
    instalments: text("instalments", { mode: "json" }).notNull().$type<{ dueOn: string; amountCents: number }[]>(),
    createdAt: createdAt(),
  },
  (t) => [index("payment_plans_customer").on(t.customerId)],
);

/**
 * The office's settings of the procedure, one row a key (JSON value): fee amounts, the balance under which no
 * case opens. Read by the engine each run; defaults in `shared/schemas/settings.ts`.
 */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedAt: updatedAt(),
});
