import { eq, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client";
import { providerAlerts, type ALERT_CHANNELS } from "./messaging.sql";

export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** A provider's refusal that is not the recipient's fault: every message would fail the same way. */
export interface ConfigurationProblem {
  /** `sms.unauthorized`, `sms.sender_refused`, `sms.no_credit`, `email.auth_refused`, `email.sender_refused`… */
  code: string;
  /** For the office, in French: what is wrong and what to do. */
  message: string;
  /** What the provider said. */
  detail?: string;
}

/**
 * Raises (or keeps) the channel's alert: one row a channel, whatever the number of messages held back, so the office
 * sees one banner, not one task per customer. `held` counts the messages given back while it lasts.
 */
export async function raiseAlert(db: Database | Transaction, channel: AlertChannel, problem: ConfigurationProblem, now: Date, held = 1): Promise<void> {
  await raiseAlertStatement(db, channel, problem, now, held);
}

/** `raiseAlert` as a statement, to run in a `db.batch` with the outcome that raises it. */
export function raiseAlertStatement(db: Database | Transaction, channel: AlertChannel, problem: ConfigurationProblem, now: Date, held = 1) {
  const at = now.toISOString();
  return db
    .insert(providerAlerts)
    .values({ channel, code: problem.code, message: problem.message, detail: problem.detail ?? null, since: at, lastAt: at, held })
    .onConflictDoUpdate({
      target: providerAlerts.channel,
      set: { code: problem.code, message: problem.message, detail: problem.detail ?? null, lastAt: at, held: sql`${providerAlerts.held} + ${held}` },
    });
}

/** A message of this channel went: whatever was wrong is fixed. */
export async function clearAlert(db: Database | Transaction, channel: AlertChannel): Promise<void> {
  await clearAlertStatement(db, channel);
}

export function clearAlertStatement(db: Database | Transaction, channel: AlertChannel) {
  return db.delete(providerAlerts).where(eq(providerAlerts.channel, channel));
}

export async function currentAlerts(db: Database): Promise<(typeof providerAlerts.$inferSelect)[]> {
  return db.select().from(providerAlerts).orderBy(providerAlerts.channel);
}
