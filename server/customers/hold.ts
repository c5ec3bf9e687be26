import { sql, type SQL } from "drizzle-orm";

// Whether a customer is held — no automatic step and no message reaches them — is one rule, read by the engine, the
// outbox, the phone's documents and the office's table alike: on stop in the billing software (its import), put on
// stop by the office, in dispute (*litige*), or with an open case handed over to a bailiff or an agency.

export const HOLD_REASONS = ["stop", "dispute", "handed_over"] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** Why nothing goes to a held customer, in the office's words. */
export const HOLD_REASON_TEXT: Record<HoldReason, string> = {
  stop: "Client en stop : aucune relance",
  dispute: "Client en litige : aucune relance ni message",
  handed_over: "Dossier transmis au contentieux : plus de relance",
};

/** SQL: whether the customer aliased `c` is on stop — in the billing software or by the office (a dispute aside). */
export function onStopSql(c = "c"): SQL {
  return sql.raw(`(${c}.stop = 1 or ${c}.office_stop_at is not null)`);
}

/** SQL: why the customer aliased `c` is held (a `HoldReason`), or null. */
export function heldReasonSql(c = "c"): SQL {
  const t = sql.raw(c);
  return sql`(case when ${t}.dispute_at is not null then 'dispute'
    when exists (select 1 from cases h where h.customer_id = ${t}.id and h.status = 'open' and h.handed_over_at is not null) then 'handed_over'
    when ${onStopSql(c)} then 'stop' end)`;
}

/** SQL: 1 when the customer aliased `c` is held, else 0. */
export function heldSql(c = "c"): SQL {
  return sql`(${heldReasonSql(c)} is not null)`;
}

/** SQL: the scenario the customer follows — the office's choice, else the billing software's segment. */
export function scenarioSql(c = "c"): SQL {
  return sql.raw(`coalesce(${c}.office_segment, ${c}.segment)`);
}
