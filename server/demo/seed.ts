import { and, eq, inArray } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { v7 as uuidv7 } from "uuid";
import { dateOfInstant, formatDateFr, zonedInstant } from "../../shared/dates";
import { users, userSites } from "../auth/auth.sql";
import { hashPassword } from "../auth/password";
import { invoices, paymentIncidents, payments } from "../billing/billing.sql";
import { actions, cases, tasks } from "../cases/cases.sql";
import { handOverRecipients } from "../cases/hand-over.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { plannedActions } from "../engine/engine.sql";
import { markPlanDone } from "../engine/run";
import { importRuns } from "../imports/imports.sql";
import { compose, loadAddressees } from "../messaging/compose";
import { messageAttempts, messages } from "../messaging/messaging.sql";
import { loadTemplates } from "../messaging/outbox";
import { sites, units } from "../sites/sites.sql";
import { generateDemoData, type DemoData, type DemoOptions } from "./generate";

/** Writes the demo data in one transaction; returns a one-line summary. */
export async function seedDemoData(db: Database, options: DemoOptions): Promise<string> {
  const data = generateDemoData(options);
  const userRows = await Promise.all(
    data.users.map(async ({ password, ...user }) => ({ ...user, passwordHash: await hashPassword(password) })),
  );
  await db.transaction(async (tx) => {
    await insertAll(tx, sites, data.sites);
    await insertAll(tx, units, data.units);
    await insertAll(tx, users, userRows);
    await insertAll(tx, userSites, data.userSites);
    await insertAll(tx, customers, data.customers);
    await insertAll(tx, contracts, data.contracts);
    await insertAll(tx, invoices, data.invoices);
    await insertAll(tx, payments, data.payments);
    await insertAll(tx, paymentIncidents, data.paymentIncidents);
    await insertAll(tx, cases, data.cases);
    await insertAll(tx, actions, data.actions);
    await insertAll(tx, tasks, data.tasks);
    // Whom the office may hand a case over to, so that the hand-over can be tried on the demo (fictitious names).
    await insertAll(tx, handOverRecipients, [
      { id: uuidv7(), kind: "bailiff", name: "SCP Moreau & Lefèvre, commissaires de justice", address: "12 quai Saint-Antoine, 69002 Lyon", email: "etude.moreau@exemple.test" },
      { id: uuidv7(), kind: "agency", name: "Recouvra Sud-Est", address: "45 cours Lafayette, 69003 Lyon", email: "dossiers@recouvra.exemple.test" },
    ]);
  });
  // The demo's history stands for what the procedure did so far: the engine takes it from there. The data counts
  // as imported now (a real site imports from its billing software every day).
  await db.insert(importRuns).values({
    id: uuidv7(),
    kind: "invoices",
    fileName: "données de démonstration",
    ok: true,
    lines: data.invoices.length,
    created: data.invoices.length,
    createdAt: (options.now ?? new Date()).toISOString(),
  });
  // A few stories stop the day before a step falls due: recorded up to that day only, the server's first run
  // plans the step (approvals, letters to post, a fee to enter), as any day's run would.
  const timeZone = options.timeZone ?? "Europe/Paris";
  await markPlanDone(db, options.today, timeZone, { except: data.leftToEngine.map((l) => l.customerId) });
  for (const day of new Set(data.leftToEngine.map((l) => l.recordedUntil))) {
    await markPlanDone(db, day, timeZone, { customerIds: data.leftToEngine.filter((l) => l.recordedUntil === day).map((l) => l.customerId) });
  }
  await recordMessages(db, data, options.now ?? new Date(), timeZone);
  // The exits counted from R3's AR, which the messages just recorded carry: done too, as the stories tell them.
  await markPlanDone(db, options.today, timeZone, { except: data.leftToEngine.map((l) => l.customerId) });
  const open = data.cases.filter((k) => k.status === "open").length;
  return `${data.sites.length} sites, ${data.units.length} units, ${data.customers.length} customers, ${data.invoices.length} invoices, ${open} open cases`;
}

/**
 * The history's messages as the outbox and the office recorded them: letters posted (a registered one with its
 * tracking number, and its acknowledgement of receipt once back), an e-mail the customer's server refused. Each
 * is the step's planned message (same key as the engine's), its text the template's for the customer that day.
 */
async function recordMessages(db: Database, data: DemoData, now: Date, timeZone: string): Promise<void> {
  if (data.messages.length === 0) return;
  const templates = await loadTemplates(db);
  const customerIds = [...new Set(data.messages.map((m) => m.customerId))];
  const planned = await db
    .select({ id: plannedActions.id, customerId: plannedActions.customerId, key: plannedActions.key, step: plannedActions.step, channel: plannedActions.channel })
    .from(plannedActions)
    .where(and(inArray(plannedActions.customerId, customerIds), eq(plannedActions.action, "message")));
  const office = data.users.find((u) => u.role === "office")!;
  const latest = new Date(now.getTime() - 60_000).toISOString();
  const rows: (typeof messages.$inferInsert)[] = [];
  const attempts: (typeof messageAttempts.$inferInsert)[] = [];
  const notes: (typeof actions.$inferInsert)[] = [];
  for (const m of data.messages) {
    const day = dateOfInstant(m.at, timeZone);
    const person = (await loadAddressees(db, [m.customerId], day)).get(m.customerId)!;
    const composed = compose(templates.get(m.template)!, m.channel, person, day, { terms: { contractEndsOn: m.contractEndsOn ?? null } })!;
    const step = planned.find((p) => p.customerId === m.customerId && p.step === m.step && p.channel === m.channel);
    const id = uuidv7();
    rows.push({
      id,
      caseId: m.caseId,
      customerId: m.customerId,
      channel: m.channel,
      purpose: "reminder",
      templateCode: m.template,
      stepCode: m.step,
      plannedActionId: step?.id ?? null,
      siteId: m.siteId,
      recipient: composed.recipient,
      senderName: composed.senderName,
      subject: composed.subject,
      body: composed.body,
      letter: composed.letter ?? null,
      status: m.error ? "failed" : "sent",
      idempotencyKey: step ? `engine:${m.customerId}|${step.key}` : `demo:${m.customerId}|${m.step}|${m.channel}`,
      providerId: m.trackingNumber ?? null,
      attempts: 1,
      lastError: m.error ?? null,
      sentAt: m.error ? null : m.at,
      deliveryStatus: m.acknowledgedOn ? "acknowledged" : null,
      deliveredAt: m.acknowledgedOn ?? null,
      createdAt: m.at,
      updatedAt: m.at,
    });
    // As the worker records a refusal, and the office's screen a posting (the same words).
    attempts.push({
      id: uuidv7(),
      messageId: id,
      worker: m.error ? "worker-demo" : office.initials,
      at: m.at,
      outcome: m.error ? "failed" : "sent",
      detail: m.error ?? (m.trackingNumber ? `Posté en recommandé, suivi ${m.trackingNumber}` : "Posté"),
    });
    if (m.acknowledgedOn) {
      const at = zonedInstant(m.acknowledgedOn, "11:30", timeZone);
      notes.push({
        id: uuidv7(),
        customerId: m.customerId,
        userId: office.id,
        initials: office.initials,
        kind: "note",
        text: `Avis de réception de la LRAR ${m.trackingNumber} signé le ${formatDateFr(m.acknowledgedOn)}`,
        happenedAt: at < latest ? at : latest,
        data: { messageId: id, acknowledgedOn: m.acknowledgedOn, photoSha256: null },
      });
    }
  }
  await db.transaction(async (tx) => {
    await insertAll(tx, messages, rows);
    await insertAll(tx, messageAttempts, attempts);
    await insertAll(tx, actions, notes);
  });
}

async function insertAll<T extends SQLiteTable>(tx: Transaction, table: T, rows: T["$inferInsert"][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await tx.insert(table).values(rows.slice(i, i + 200));
}
