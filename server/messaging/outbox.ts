import { inArray, sql } from "drizzle-orm";
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
  for (const write of await queuedMessageWrites(tx, requests, asOf)) await write;
  return requests.length;
}

/** The same, as statements built and not run: what they need is read now (the engine writes them in one batch). */
export async function queuedMessageWrites(tx: Db, requests: readonly QueueRequest[], asOf: CalendarDate) {
  if (requests.length === 0) return [];
  const templates = await loadTemplates(tx);
  const people = await loadAddressees(tx, [...new Set(requests.map((r) => r.customerId))], asOf);
  const settings = await loadSettings(tx);
  // A customer whose boxes all ended long ago still has a site: the one of their last box.
  const lastSites = await customerSiteIds(tx, [...people.values()].filter((p) => !p.site.id).map((p) => p.customerId));
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
      siteId: person?.site.id ?? lastSites.get(r.customerId) ?? null,
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
  const out = [];
  for (let i = 0; i < rows.length; i += 50) out.push(tx.insert(messages).values(rows.slice(i, i + 50)).onConflictDoNothing());
  return out;
}

/**
 * Each customer's site: the one of their box under contract, else of their last contract's box. Every message about
 * a customer is of a site, so that what comes of it (a bounce, a wrong number) reaches that site's floor.
 */
export async function customerSiteIds(db: Db, customerIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const rows = await db.all<{ customer_id: string; site_id: string }>(sql`
      select ct.customer_id, u.site_id
        from contracts ct join units u on u.id = ct.unit_id
       where ${inArray(sql.raw("ct.customer_id"), customerIds.slice(i, i + 500))}
       order by ct.customer_id, ct.end_date is null desc, ct.end_date desc, ct.start_date desc, u.number`);
    for (const r of rows) if (!out.has(r.customer_id)) out.set(r.customer_id, r.site_id);
  }
  return out;
}
