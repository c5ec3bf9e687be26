import { v7 as uuidv7 } from "uuid";
import type { CalendarDate } from "../../shared/dates";
import type { MessageChannel } from "../../shared/enums";
import { DEFAULT_TEMPLATES, type MessageTemplate } from "../../shared/messaging/templates";
import type { Database, Transaction } from "../db/client";
import { loadSettings } from "../engine/settings";
import { compose, letterTerms, loadAddressees } from "./compose";
import { messages, messageTemplates, type MessagePurpose } from "./messaging.sql";

type Db = Database | Transaction;

/** The templates as the office left them, the French defaults for the others. */
export async function loadTemplates(db: Db): Promise<Map<string, MessageTemplate>> {
  const all = new Map(DEFAULT_TEMPLATES.map((t) => [t.code, t]));
  for (const row of await db.select().from(messageTemplates)) all.set(row.code, row.template);
  return all;
}

export interface QueueRequest {
  customerId: string;
  caseId: string | null;
  plannedActionId: string;
  /** Unique for the customer (the planned action's key): the same step never queues twice. */
  key: string;
  step: string;
  template: string;
  channel: MessageChannel;
  purpose: MessagePurpose;
  invoiceRef?: string;
  /** The termination notice: the day the contract ends (its invoices owed up to then). */
  contractEndsOn?: CalendarDate;
}

/**
 * Writes the messages the engine's steps ask for into the outbox, in the caller's transaction, each filled for its
 * customer now (the text frozen: what the office sees is what goes). A message whose customer has no address for
 * the channel is queued all the same: the worker fails it and asks the floor to fix the contact.
 */
export async function queueMessages(tx: Db, requests: readonly QueueRequest[], asOf: CalendarDate): Promise<number> {
  if (requests.length === 0) return 0;
  const templates = await loadTemplates(tx);
  const people = await loadAddressees(tx, [...new Set(requests.map((r) => r.customerId))], asOf);
  const settings = await loadSettings(tx);
  const rows: (typeof messages.$inferInsert)[] = [];
  for (const r of requests) {
    const template = templates.get(r.template);
    const person = people.get(r.customerId);
    const terms = { ...letterTerms(settings), contractEndsOn: r.contractEndsOn ?? null };
    const composed = template && person ? compose(template, r.channel, person, asOf, { invoiceRef: r.invoiceRef, terms }) : null;
    rows.push({
      id: uuidv7(),
      caseId: r.caseId,
      customerId: r.customerId,
      channel: r.channel,
      purpose: r.purpose,
      templateCode: r.template,
      stepCode: r.step,
      invoiceRef: r.invoiceRef ?? null,
      plannedActionId: r.plannedActionId,
      siteId: person?.site.id ?? null,
      recipient: composed?.recipient ?? "",
      senderName: composed?.senderName ?? null,
      subject: composed?.subject ?? null,
      body: composed?.body ?? "",
      letter: composed?.letter ?? null,
      // A template removed or without this channel: kept, failed, for the office to see.
      status: composed ? "queued" : "failed",
      lastError: composed ? null : `Modèle « ${r.template} » introuvable pour le canal ${r.channel}`,
      idempotencyKey: `engine:${r.customerId}|${r.key}`,
    });
  }
  for (let i = 0; i < rows.length; i += 50) await tx.insert(messages).values(rows.slice(i, i + 50)).onConflictDoNothing();
  return rows.length;
}
