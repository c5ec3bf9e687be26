import { and, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { addDays, dateOfInstant, formatDateFr, zonedInstant, type CalendarDate } from "../../shared/dates";
import { isWorkingDay } from "../../shared/engine/calendar";
import { paused, type PausePayment, type PaymentPlanFact, type PromiseFact } from "../../shared/engine/engine";
import { unpaidInvoicesOf } from "../billing/ledger";
import { parsePlans, parsePromises, PLANS_OF_C, PROMISES_OF_C } from "../engine/facts";
import { actions, cases, tasks } from "../cases/cases.sql";
import type { Database, Transaction } from "../db/client";
import { markCustomersChanged } from "../sync/changes";
import { messageAttempts, messages } from "./messaging.sql";
import { withoutToken } from "../auth/account-mail";
import { accountMailKey, staleTokenIds } from "../auth/tokens";
import type { Config } from "../env";
import { createEmailSender, createSmsSender, type EmailSender, type Outgoing, type SendResult, type SmsSender } from "./transports";
import { withLetterhead } from "../../shared/messaging/compose";
import { logosOf, siteSendings, type SiteSending } from "../sites/sites";
import { siteZone } from "../../shared/sites/zone";
import type { Logos } from "./letter-pdf";
import { clearAlert, raiseAlert, type AlertChannel, type ConfigurationProblem } from "./alerts";

/**
 * The outbox worker. Each round: messages whose worker died (lease run out) are settled first; then a batch of
 * due messages is claimed in one statement (status `sending`, this worker's lease), so two processes never take the
 * same one; each is checked once more just before it goes — the debt still open, the customer not on stop nor
 * paused by a promise or a payment plan, an SMS only Monday to Saturday 8:00–20:00 site time and not on a public
 * holiday — then sent, and the outcome recorded with the attempt.
 *
 * At most once: an SMS whose worker died after the provider took it is found again at the provider by its tag
 * and marked sent, never sent twice; an e-mail in the same case cannot be looked up at an SMTP server, so it is
 * marked `unknown` for the office to check, never sent again by itself.
 */

export type Row = typeof messages.$inferSelect;

export interface Transports {
  email: EmailSender;
  sms: SmsSender;
}

export interface WorkerOptions {
  /** This worker's name in leases and attempts. */
  id: string;
  /** `TZ_SITE`: the zone of a site with none set, and of a message with no site. */
  timeZone: string;
  now?: () => Date;
  /** How long a claim holds (seconds); a message still `sending` after that is settled by the next round. */
  leaseSeconds?: number;
  batch?: number;
  /** Messages sent at the same time. */
  concurrency?: number;
  /** Outcomes written together, in one transaction (default 64). */
  commitEvery?: number;
}

export interface RoundResult {
  sent: number;
  /** Written to the local folder because no provider is set: not sent. */
  written: number;
  retried: number;
  failed: number;
  cancelled: number;
  postponed: number;
  unknown: number;
  reconciled: number;
}

const MAX_ATTEMPTS = 6;
/** Minutes before the next try, by attempts made. */
const BACKOFF_MINUTES = [1, 5, 30, 120, 360, 1440];
/** A provider refusing everything for a reason of configuration is asked again this often. */
const CONFIGURATION_RETRY_MINUTES = 10;

/** Sends what is due now, in batches, until nothing is left to claim. */
export async function sendDueMessages(db: Database, transports: Transports, options: WorkerOptions): Promise<RoundResult> {
  const total = emptyResult();
  const add = (r: RoundResult) => {
    for (const k of Object.keys(total) as (keyof RoundResult)[]) total[k] += r[k];
  };
  add(await settleAbandoned(db, transports, options));
  for (;;) {
    const claimed = await claim(db, options);
    if (claimed.length === 0) break;
    add(await sendClaimed(db, transports, claimed, options));
  }
  return total;
}

async function claim(db: Database, options: WorkerOptions): Promise<Row[]> {
  const now = (options.now ?? (() => new Date()))();
  const until = new Date(now.getTime() + (options.leaseSeconds ?? 120) * 1000).toISOString();
  const due = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.status, "queued"), inArray(messages.channel, ["email", "sms"]), or(isNull(messages.notBefore), lte(messages.notBefore, now.toISOString()))))
    .orderBy(messages.createdAt, messages.id)
    .limit(options.batch ?? 100);
  // One statement: the write lock makes the selection and the claim one step for every process.
  return db
    .update(messages)
    .set({ status: "sending", leaseOwner: options.id, leaseUntil: until, attempts: sql`${messages.attempts} + 1`, updatedAt: now.toISOString() })
    .where(inArray(messages.id, due))
    .returning();
}

/** Messages left `sending` by a worker that stopped: found at the provider, sent again, or left to the office. */
async function settleAbandoned(db: Database, transports: Transports, options: WorkerOptions): Promise<RoundResult> {
  const result = emptyResult();
  const now = (options.now ?? (() => new Date()))();
  const stale = await db
    .select()
    .from(messages)
    .where(and(eq(messages.status, "sending"), lt(messages.leaseUntil, now.toISOString())));
  for (const m of stale) {
    const attempt = (outcome: (typeof messageAttempts.$inferInsert)["outcome"], detail: string) =>
      db.insert(messageAttempts).values({ id: uuidv7(), messageId: m.id, worker: options.id, at: now.toISOString(), outcome, detail });
    if (m.channel === "sms" && transports.sms.reconcile) {
      let providerId: string | null;
      try {
        providerId = await transports.sms.reconcile(outgoing(m));
      } catch (error) {
        await attempt("in_doubt", `Fournisseur injoignable pour vérifier l'envoi interrompu : ${(error as Error).message}`);
        continue; // asked again next round
      }
      if (providerId) {
        await db.update(messages).set({ status: "sent", providerId, sentAt: now.toISOString(), leaseOwner: null, leaseUntil: null }).where(eq(messages.id, m.id));
        await attempt("reconciled", `Envoi interrompu ; le fournisseur l'a reçu (${providerId}) : pas de second envoi`);
        await historyOf(db, [{ m, at: now, written: false }]);
        result.reconciled++;
      } else {
        await db.update(messages).set({ status: "queued", leaseOwner: null, leaseUntil: null }).where(eq(messages.id, m.id));
        await attempt("retry", "Envoi interrompu avant que le fournisseur le reçoive : renvoyé");
        result.retried++;
      }
      continue;
    }
    await db
      .update(messages)
      .set({ status: "unknown", leaseOwner: null, leaseUntil: null, lastError: "Envoi interrompu : le serveur l'a peut-être reçu. Vérifiez avant de renvoyer." })
      .where(eq(messages.id, m.id));
    await attempt("in_doubt", "Le traitement s'est arrêté pendant l'envoi ; rien n'est renvoyé sans vérification");
    result.unknown++;
  }
  return result;
}

function emptyResult(): RoundResult {
  return { sent: 0, written: 0, retried: 0, failed: 0, cancelled: 0, postponed: 0, unknown: 0, reconciled: 0 };
}

function outgoing(m: Row): Outgoing {
  return { id: m.id, recipient: m.recipient, senderName: m.senderName, subject: m.subject, body: m.body, letter: m.letter };
}

/**
 * The message as it leaves, with how its site sends now: the reply-to address, the SMS sender, and an attached
 * letter printed with the site's current letterhead (it is not evidence of anything before it goes).
 */
function outgoingFrom(m: Row, sending: SiteSending | undefined, logos: Logos): Outgoing {
  if (!sending) return outgoing(m);
  return {
    ...outgoing(m),
    letter: m.letter ? withLetterhead(m.letter, sending.site) : null,
    replyTo: sending.replyTo,
    smsSender: sending.smsSender,
    logos,
  };
}

/** An SMS goes Monday to Saturday, 8:00 to 20:00 site time, not on a public holiday: else when it next may. */
export function nextSmsSlot(now: Date, timeZone: string): Date | null {
  const day = dateOfInstant(now, timeZone);
  const open = new Date(zonedInstant(day, "08:00", timeZone));
  const close = new Date(zonedInstant(day, "20:00", timeZone));
  if (isWorkingDay(day) && now >= open && now < close) return null;
  let next: CalendarDate = isWorkingDay(day) && now < open ? day : addDays(day, 1);
  while (!isWorkingDay(next)) next = addDays(next, 1);
  return new Date(zonedInstant(next, "08:00", timeZone));
}

interface Standing {
  stop: boolean;
  caseStatus: Map<string, string>;
  balanceCents: number;
  unpaid: Set<string>;
  promises: PromiseFact[];
  plans: PaymentPlanFact[];
  payments: PausePayment[];
}

/** Why a message must not go now (in French, for the office), or null. */
export function reasonNotToSend(m: Row, s: Standing | undefined, today: CalendarDate): string | null {
  if (!s) return "Client introuvable";
  if (s.stop) return "Client en stop : aucune relance";
  if (m.purpose === "thanks") return null;
  if (m.purpose === "notice") return m.invoiceRef && !s.unpaid.has(m.invoiceRef) ? `Facture ${m.invoiceRef} réglée : avis inutile` : null;
  if (m.caseId && s.caseStatus.get(m.caseId) !== "open") return "Dossier clos (payé, en perte ou après la sortie)";
  if (s.balanceCents <= 0) return "Plus rien n'est dû";
  if (m.purpose === "reminder" && paused({ promises: s.promises, plans: s.plans, payments: s.payments }, today)) return "En pause : promesse de paiement ou échéancier en cours";
  return null;
}

export async function standingOf(db: Database, customerIds: string[], caseIds: string[], today: CalendarDate, timeZone: string): Promise<Map<string, Standing>> {
  const [people, caseRows, unpaid] = await Promise.all([
    db.all<{ id: string; stop: number; promises: string; plans: string; payments: string }>(sql`
      select c.id, c.stop,
        ${PROMISES_OF_C} as promises,
        ${PLANS_OF_C} as plans,
        (select json_group_array(json_array(p.date, p.amount_cents)) from payments p where p.customer_id = c.id and p.status = 'ok' and p.date >= date(${today}, '-1 year')) as payments
      from customers c where ${inArray(sql.raw("c.id"), customerIds)}`),
    caseIds.length > 0 ? db.select({ id: cases.id, status: cases.status }).from(cases).where(inArray(cases.id, caseIds)) : Promise.resolve([]),
    unpaidInvoicesOf(db, customerIds),
  ]);
  const caseStatus = new Map(caseRows.map((c) => [c.id, c.status as string]));
  const out = new Map<string, Standing>();
  for (const p of people) {
    const open = unpaid.get(p.id) ?? [];
    out.set(p.id, {
      stop: Boolean(p.stop),
      caseStatus,
      balanceCents: open.filter((i) => i.dueDate <= today).reduce((s, i) => s + i.remainingCents, 0),
      unpaid: new Set(open.map((i) => i.ref)),
      promises: parsePromises(p.promises, timeZone),
      plans: parsePlans(p.plans),
      payments: (JSON.parse(p.payments) as [string, number][]).map(([date, amountCents]) => ({ date, amountCents, status: "ok" as const })),
    });
  }
  return out;
}

/** A message's time zone: its site's (`siteZone`), or `TZ_SITE` for one with no site (an account's e-mail). */
function zonesOf(sendings: Map<string, SiteSending>, fallback: string): (m: Row) => string {
  return (m) => siteZone(m.siteId ? sendings.get(m.siteId) : undefined, fallback);
}

/** For each time zone of these messages: its today, and their customers' standing as of that day. */
async function checksByZone(db: Database, claimed: readonly Row[], zoneOf: (m: Row) => string, now: Date): Promise<Map<string, { today: CalendarDate; standing: Map<string, Standing> }>> {
  const byZone = new Map<string, Row[]>();
  for (const m of claimed) {
    const rows = byZone.get(zoneOf(m));
    if (rows) rows.push(m);
    else byZone.set(zoneOf(m), [m]);
  }
  const out = new Map<string, { today: CalendarDate; standing: Map<string, Standing> }>();
  for (const [zone, rows] of byZone) {
    const today = dateOfInstant(now, zone);
    const customerIds = [...new Set(rows.flatMap((m) => (m.customerId ? [m.customerId] : [])))];
    const caseIds = [...new Set(rows.flatMap((m) => (m.caseId ? [m.caseId] : [])))];
    out.set(zone, { today, standing: await standingOf(db, customerIds, caseIds, today, zone) });
  }
  return out;
}

async function sendClaimed(db: Database, transports: Transports, claimed: Row[], options: WorkerOptions): Promise<RoundResult> {
  const result = emptyResult();
  const clock = options.now ?? (() => new Date());
  // Each site's sending settings as they stand now; logos only when an e-mail attaches a letter.
  const sendings = await siteSendings(db, claimed.map((m) => m.siteId));
  const logos = await logosOf(db, claimed.filter((m) => m.channel === "email" && m.letter).map((m) => m.siteId));
  const zoneOf = zonesOf(sendings, options.timeZone);
  // The last checks read "today" in the message's site's zone (a promise kept until today, a debt fallen due).
  const checks = await checksByZone(db, claimed, zoneOf, clock());
  const todayOf = (m: Row) => checks.get(zoneOf(m))!.today;
  // An account's e-mail (invitation, reset) owes nothing to a debt: it goes unless its link went stale meanwhile.
  const staleLinks = await staleTokenIds(db, claimed.filter((m) => m.purpose === "account").map((m) => m.idempotencyKey), clock());
  // Outcomes are written a slice at a time, in one transaction (one commit, not one a message); a worker that dies
  // mid-slice leaves its messages `sending`, settled by the next round as any interrupted send.
  let pending: Outcomes = newOutcomes();
  const release = { leaseOwner: null, leaseUntil: null };
  const attempt = (m: Row, outcome: (typeof messageAttempts.$inferInsert)["outcome"], detail: string | null, at: Date) =>
    pending.attempts.push({ id: uuidv7(), messageId: m.id, worker: options.id, at: at.toISOString(), outcome, detail });

  const work = async (m: Row) => {
    const why =
      m.purpose === "account"
        ? staleLinks.has(m.idempotencyKey.slice(accountMailKey("").length))
          ? "Lien déjà utilisé, expiré ou remplacé par un plus récent : courriel inutile"
          : null
        : reasonNotToSend(m, m.customerId ? checks.get(zoneOf(m))!.standing.get(m.customerId) : undefined, todayOf(m));
    // Once an account's e-mail is settled, the outbox keeps its text without the link's token.
    const seal = m.purpose === "account" ? { body: withoutToken(m.body) } : {};
    if (why) {
      pending.updates.push({ id: m.id, set: { status: "cancelled", lastError: why, ...seal, ...release } });
      attempt(m, "cancelled", why, clock());
      result.cancelled++;
      return;
    }
    if (m.channel === "sms") {
      const slot = nextSmsSlot(clock(), zoneOf(m));
      if (slot) {
        // Not an attempt: given back, for the first allowed hour.
        pending.updates.push({ id: m.id, set: { status: "queued", notBefore: slot.toISOString(), attempts: m.attempts - 1, ...release } });
        attempt(m, "postponed", `SMS hors des heures permises : reporté au ${formatDateFr(dateOfInstant(slot, zoneOf(m)))} 8 h`, clock());
        result.postponed++;
        return;
      }
    }
    let outcome: SendResult;
    const out = outgoingFrom(m, m.siteId ? sendings.get(m.siteId) : undefined, logos);
    // What went is what the record keeps: an attached letter with the letterhead it was printed with.
    const sentLetter = out.letter ? { letter: out.letter } : {};
    try {
      outcome = await (m.channel === "email" ? transports.email : transports.sms).send(out);
    } catch (error) {
      outcome = { ok: false, permanent: false, error: (error as Error).message };
    }
    const at = clock();
    if (outcome.ok && outcome.written) {
      // Final like a sending (never tried again), but recorded as what it is: nobody received it.
      pending.updates.push({ id: m.id, set: { status: "written", providerId: outcome.providerId, sentAt: at.toISOString(), lastError: null, ...seal, ...sentLetter, ...release } });
      attempt(m, "written", `Écrit dans le dossier local (${outcome.providerId.replace(/^file:/, "")}) : pas envoyé, aucun fournisseur d'envoi configuré`, at);
      pending.done.push({ m, at, written: true });
      result.written++;
    } else if (outcome.ok) {
      pending.updates.push({ id: m.id, set: { status: "sent", providerId: outcome.providerId, sentAt: at.toISOString(), lastError: null, ...seal, ...sentLetter, ...release } });
      attempt(m, "sent", outcome.providerId, at);
      pending.done.push({ m, at, written: false });
      result.sent++;
    } else if ("configuration" in outcome) {
      // Every message would fail the same way: held back, not counted as an attempt, one alert for the office.
      const retryAt = new Date(at.getTime() + CONFIGURATION_RETRY_MINUTES * 60_000).toISOString();
      pending.updates.push({ id: m.id, set: { status: "queued", lastError: outcome.configuration.message, notBefore: retryAt, attempts: m.attempts - 1, ...release } });
      attempt(m, "retry", `${outcome.configuration.message} — en attente, nouvel essai dans ${CONFIGURATION_RETRY_MINUTES} min`, at);
      pending.alerts.push({ channel: m.channel === "email" ? "email" : "sms", problem: outcome.configuration, at });
      result.retried++;
    } else if (outcome.permanent || m.attempts >= MAX_ATTEMPTS) {
      pending.updates.push({ id: m.id, set: { status: "failed", lastError: outcome.error, ...seal, ...release } });
      attempt(m, "failed", outcome.error, at);
      if (outcome.permanent && m.customerId) pending.fixContact.push(m);
      result.failed++;
    } else {
      const minutes = BACKOFF_MINUTES[Math.min(m.attempts, BACKOFF_MINUTES.length) - 1] ?? 60;
      pending.updates.push({ id: m.id, set: { status: "queued", lastError: outcome.error, notBefore: new Date(at.getTime() + minutes * 60_000).toISOString(), ...release } });
      attempt(m, "retry", `${outcome.error} — nouvel essai dans ${minutes} min`, at);
      result.retried++;
    }
  };

  const slice = options.commitEvery ?? 64;
  for (let i = 0; i < claimed.length; i += slice) {
    const queue = claimed.slice(i, i + slice);
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency ?? 32, queue.length) }, async () => {
        for (let m = queue.shift(); m; m = queue.shift()) await work(m);
      }),
    );
    const outcomes = pending;
    pending = newOutcomes();
    await db.transaction(async (tx) => {
      for (const u of outcomes.updates) await tx.update(messages).set(u.set).where(eq(messages.id, u.id));
      for (let j = 0; j < outcomes.attempts.length; j += 200) await tx.insert(messageAttempts).values(outcomes.attempts.slice(j, j + 200));
      await historyOf(tx, outcomes.done);
      await askToFixContacts(tx, outcomes.fixContact, todayOf);
      for (const a of outcomes.alerts) await raiseAlert(tx, a.channel, a.problem, a.at);
      for (const channel of new Set(outcomes.done.filter((d) => !d.written).map((d) => (d.m.channel === "email" ? "email" : "sms") as AlertChannel))) await clearAlert(tx, channel);
    });
  }
  return result;
}

interface Outcomes {
  updates: { id: string; set: Partial<typeof messages.$inferInsert> }[];
  attempts: (typeof messageAttempts.$inferInsert)[];
  done: Done[];
  fixContact: Row[];
  alerts: { channel: AlertChannel; problem: ConfigurationProblem; at: Date }[];
}

/** A message that left the outbox: sent, or only written to the local folder. */
interface Done {
  m: Row;
  at: Date;
  written: boolean;
}

function newOutcomes(): Outcomes {
  return { updates: [], attempts: [], done: [], fixContact: [], alerts: [] };
}

/**
 * The customer's history says what happened, as the floor and the billing software's log want it: sent, or only
 * written to the local folder. It keeps the text that went (an SMS's in the line, an e-mail's in `data`).
 */
async function historyOf(db: Database | Transaction, all: Done[]): Promise<void> {
  // An account's e-mail is about a user, not a customer: it has no place in a customer's history.
  const done = all.flatMap((d) => (d.m.customerId ? [{ ...d, customerId: d.m.customerId }] : []));
  if (done.length === 0) return;
  const rows = done.map(({ m, at, written, customerId }) => ({
    id: uuidv7(),
    caseId: m.caseId,
    customerId,
    siteId: m.siteId,
    userId: null,
    initials: "SYS",
    kind: m.channel === "email" ? ("email" as const) : ("sms" as const),
    text: historyText(m, written),
    happenedAt: at.toISOString(),
    data: { messageId: m.id, step: m.stepCode, template: m.templateCode, delivery: written ? "local_folder" : "provider", subject: m.subject, text: m.body },
  }));
  for (let i = 0; i < rows.length; i += 200) await db.insert(actions).values(rows.slice(i, i + 200));
  await markCustomersChanged(db, [...new Set(done.map((d) => d.customerId))]);
}

/**
 * "Courriel envoyé : « Relance » à jeanne@x.fr", "SMS écrit dans le dossier local, pas envoyé (pour 06…) : « … »".
 * A message only written to the folder never says "envoyé" without "pas": it did not reach the customer.
 */
export function historyText(m: Pick<Row, "channel" | "subject" | "body" | "recipient">, written: boolean): string {
  const what = m.channel === "email" ? "Courriel" : "SMS";
  const quoted = m.channel === "sms" ? ` : « ${m.body} »` : m.subject ? ` : « ${m.subject} »` : "";
  return written ? `${what} écrit dans le dossier local, pas envoyé (pour ${m.recipient})${quoted}` : m.channel === "sms" ? `${what} envoyé à ${m.recipient}${quoted}` : `${what} envoyé${quoted} à ${m.recipient}`;
}

/** A bounced address or a wrong number: one open task for the floor to fix the customer's contact. */
async function askToFixContacts(db: Database | Transaction, all: Row[], todayOf: (m: Row) => CalendarDate): Promise<void> {
  const failed = all.flatMap((m) => (m.customerId ? [{ ...m, customerId: m.customerId }] : []));
  const customers = [...new Set(failed.map((m) => m.customerId))];
  if (customers.length === 0) return;
  const open = await db
    .select({ customerId: tasks.customerId })
    .from(tasks)
    .where(and(inArray(tasks.customerId, customers), eq(tasks.kind, "fix_contact"), eq(tasks.status, "open")));
  const already = new Set(open.map((t) => t.customerId));
  const rows = failed
    .filter((m, i) => !already.has(m.customerId) && failed.findIndex((x) => x.customerId === m.customerId) === i && m.siteId)
    .map((m) => ({ id: uuidv7(), siteId: m.siteId!, caseId: m.caseId, customerId: m.customerId, unitId: null, kind: "fix_contact" as const, stepCode: m.stepCode, dueOn: todayOf(m), status: "open" as const }));
  if (rows.length > 0) {
    await db.insert(tasks).values(rows);
    await markCustomersChanged(db, rows.map((r) => r.customerId));
  }
}

/** Reads the provider's delivery reports for SMS sent lately and records them; a hard bounce asks to fix the number. */
export async function recordSmsDeliveries(db: Database, sms: SmsSender, timeZone: string, days = 3): Promise<number> {
  if (!sms.deliveries) return 0;
  const reports = await sms.deliveries(days);
  if (reports.size === 0) return 0;
  const sent = await db
    .select()
    .from(messages)
    .where(and(eq(messages.channel, "sms"), eq(messages.status, "sent"), inArray(messages.providerId, [...reports.keys()])));
  const bounced: Row[] = [];
  for (const m of sent) {
    const r = reports.get(m.providerId!)!;
    if (m.deliveryStatus === r.event) continue;
    await db.update(messages).set({ deliveryStatus: r.event, deliveredAt: r.date, lastError: r.reason ?? null }).where(eq(messages.id, m.id));
    if (r.event === "hardBounce") bounced.push(m);
  }
  const zoneOf = zonesOf(await siteSendings(db, bounced.map((m) => m.siteId)), timeZone);
  const now = new Date();
  await askToFixContacts(db, bounced, (m) => dateOfInstant(now, zoneOf(m)));
  return sent.length;
}

/** The transports the configuration names: SMTP and Brevo when set, else the local outbox folder. */
export function transportsFor(config: Config): Transports {
  const t = {
    dataDir: config.dataDir,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    smsProvider: config.sms.provider,
    smsUrl: config.sms.url,
    smsToken: config.sms.token,
    smsSender: config.sms.sender,
  };
  return { email: createEmailSender(t), sms: createSmsSender(t) };
}

/** Runs the worker every `outboxEverySeconds` in this process (several processes may: leases keep them apart). */
export function startOutboxWorker(db: Database, config: Config, log: (line: string) => void): { stop(): void } {
  if (config.outboxEverySeconds === null) return { stop() {} };
  const transports = transportsFor(config);
  const options: WorkerOptions = {
    id: `worker-${process.pid}-${uuidv7().slice(-6)}`,
    timeZone: config.siteTimeZone,
    now: config.now ? () => new Date(config.now!) : undefined,
  };
  let running = false;
  let rounds = 0;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await sendDueMessages(db, transports, options);
      const moved = r.sent + r.written + r.failed + r.retried + r.cancelled + r.unknown + r.reconciled;
      if (moved > 0) log(`Outbox: ${r.sent} sent, ${r.written} written to the local folder (not sent), ${r.retried} to retry, ${r.failed} failed, ${r.cancelled} cancelled, ${r.postponed} postponed, ${r.unknown} to check.`);
      // Delivery reports every tenth round.
      if (++rounds % 10 === 0) await recordSmsDeliveries(db, transports.sms, config.siteTimeZone);
    } catch (e) {
      log(`Outbox failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), config.outboxEverySeconds * 1000);
  timer.unref();
  void tick();
  return {
    stop: () => {
      clearInterval(timer);
      transports.email.close();
    },
  };
}
