import { and, eq, gte, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { v7 as uuidv7 } from "uuid";
import { addDays, dateOfInstant, formatDateFr, zonedInstant, type CalendarDate } from "../../shared/dates";
import { isWorkingDay } from "../../shared/engine/calendar";
import { paused, type PausePayment, type PaymentPlanFact, type PromiseFact } from "../../shared/engine/engine";
import { unpaidInvoicesOf } from "../billing/ledger";
import { parsePlans, parsePromises, PLANS_OF_C, PROMISES_OF_C } from "../engine/facts";
import { actions, cases, tasks } from "../cases/cases.sql";
import type { Database, Transaction } from "../db/client";
import { customersChangedStatements, markCustomersChanged } from "../sync/changes";
import { messageAttempts, messages } from "./messaging.sql";
import { withoutToken } from "../auth/account-mail";
import { accountMailKey, staleTokenIds } from "../auth/tokens";
import { users } from "../auth/auth.sql";
import type { Config } from "../env";
import { createEmailSender, createSmsSender, type EmailSender, type Outgoing, type SendResult, type SmsSender } from "./transports";
import { brevoWebhookUrl, deliveryRank, RateLimited, SMS_NUMBER_REFUSED, type SmsEvent } from "./transports";
import { toE164 } from "../../shared/messaging/sms";
import { customerSiteIds } from "./outbox";
import { withLetterhead } from "../../shared/messaging/compose";
import { logosOf, siteSendings, type SiteSending } from "../sites/sites";
import { siteZone } from "../../shared/sites/zone";
import type { Logos } from "./letter-pdf";
import { HOLD_REASON_TEXT, heldReasonSql, type HoldReason } from "../customers/hold";
import { clearAlertStatement, raiseAlertStatement, type AlertChannel, type ConfigurationProblem } from "./alerts";
import { attachmentsOf } from "../statement/statement";

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
  /** SMS requests at the same time (default 32); e-mails go no more at once than the SMTP pool has connections. */
  concurrency?: number;
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
  /** Claimed, then left alone: the lease lapsed and another process took the message over before it was handed. */
  lapsed: number;
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

/**
 * The database's clock, as ISO text like every stored instant. Leases are written and compared with it alone, so
 * processes whose clocks differ — or pin theirs with `NOW` — agree on when a lease lapses; everything else (sending
 * hours, history, attempts) keeps the worker's clock.
 */
const DB_NOW = sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
const dbNowPlus = (seconds: number) => sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`+${seconds} seconds`})`;
const DEFAULT_LEASE_SECONDS = 120;

/** The message as long as `owner` holds its lease: every write of a claimed message's outcome is guarded by it. */
export function heldBy(owner: string, id: string) {
  return and(eq(messages.id, id), eq(messages.leaseOwner, owner), eq(messages.status, "sending"));
}

async function claim(db: Database, options: WorkerOptions): Promise<Row[]> {
  const now = (options.now ?? (() => new Date()))();
  const until = dbNowPlus(options.leaseSeconds ?? DEFAULT_LEASE_SECONDS);
  const due = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.status, "queued"), inArray(messages.channel, ["email", "sms"]), or(isNull(messages.notBefore), lte(messages.notBefore, now.toISOString()))))
    .orderBy(messages.createdAt, messages.id)
    .limit(options.batch ?? 100);
  // One statement: the write lock makes the selection and the claim one step for every process.
  return db
    .update(messages)
    .set({ status: "sending", leaseOwner: options.id, leaseUntil: until, handedAt: null, attempts: sql`${messages.attempts} + 1`, updatedAt: now.toISOString() })
    .where(inArray(messages.id, due))
    .returning();
}

/**
 * Messages whose claim lapsed (their worker stopped, or is stuck): one never handed to the provider goes back to the
 * queue — it never left; one handed over may have gone: an SMS is looked up at the provider, an e-mail is left to
 * the office to check. A handed one is first taken over (the lapsed lease compared and set in one statement), so
 * that only one process settles it and its first worker, should it wake up, can no longer write.
 */
async function settleAbandoned(db: Database, transports: Transports, options: WorkerOptions): Promise<RoundResult> {
  const result = emptyResult();
  const now = (options.now ?? (() => new Date()))();
  const stale = await db
    .select()
    .from(messages)
    .where(and(eq(messages.status, "sending"), lt(messages.leaseUntil, DB_NOW)));
  for (const lapsed of stale) {
    const still = and(eq(messages.id, lapsed.id), eq(messages.status, "sending"), lapsed.leaseOwner ? eq(messages.leaseOwner, lapsed.leaseOwner) : isNull(messages.leaseOwner), lt(messages.leaseUntil, DB_NOW));
    const attempt = (outcome: (typeof messageAttempts.$inferInsert)["outcome"], detail: string) =>
      db.insert(messageAttempts).values({ id: uuidv7(), messageId: lapsed.id, worker: options.id, at: now.toISOString(), outcome, detail });
    if (!lapsed.handedAt) {
      const back = await db
        .update(messages)
        .set({ status: "queued", leaseOwner: null, leaseUntil: null, attempts: sql`max(${messages.attempts} - 1, 0)` })
        .where(and(still, isNull(messages.handedAt)))
        .returning({ id: messages.id });
      if (back.length === 0) continue; // settled or taken by another process meanwhile
      await attempt("retry", "Réservé par un traitement arrêté avant de le confier au fournisseur : remis en file, il n'était pas parti");
      result.retried++;
      continue;
    }
    const [taken] = await db
      .update(messages)
      .set({ leaseOwner: options.id, leaseUntil: dbNowPlus(options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) })
      .where(still)
      .returning();
    if (!taken) continue;
    const m = taken;
    if (m.channel === "sms" && transports.sms.reconcile) {
      const settled = await settleSmsInDoubt(db, transports.sms, m, now, options);
      if (settled === "reconciled") result.reconciled++;
      if (settled === "unknown") result.unknown++;
      continue;
    }
    const settled = await db
      .update(messages)
      .set({ status: "unknown", leaseOwner: null, leaseUntil: null, lastError: "Envoi interrompu : le serveur l'a peut-être reçu. Vérifiez avant de renvoyer." })
      .where(heldBy(options.id, m.id))
      .returning({ id: messages.id });
    if (settled.length === 0) continue;
    await attempt("in_doubt", "Le traitement s'est arrêté pendant l'envoi ; rien n'est renvoyé sans vérification");
    result.unknown++;
  }
  return result;
}

function emptyResult(): RoundResult {
  return { sent: 0, written: 0, retried: 0, failed: 0, cancelled: 0, postponed: 0, unknown: 0, reconciled: 0, lapsed: 0 };
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
  /** Why nothing may go to this customer now (`server/customers/hold.ts`), or null. */
  held: HoldReason | null;
  caseStatus: Map<string, string>;
  balanceCents: number;
  unpaid: Set<string>;
  promises: PromiseFact[];
  plans: PaymentPlanFact[];
  payments: PausePayment[];
}

/** Of these users, those whose account is closed (or gone). */
async function inactiveUsers(db: Database, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const active = await db.select({ id: users.id }).from(users).where(and(inArray(users.id, [...new Set(userIds)]), eq(users.active, true)));
  const open = new Set(active.map((u) => u.id));
  return new Set(userIds.filter((id) => !open.has(id)));
}

/** Why a message must not go now (in French, for the office), or null. */
export function reasonNotToSend(m: Row, s: Standing | undefined, today: CalendarDate): string | null {
  if (!s) return "Client introuvable";
  if (s.held) return HOLD_REASON_TEXT[s.held];
  if (m.purpose === "thanks") return null;
  if (m.purpose === "notice") return m.invoiceRef && !s.unpaid.has(m.invoiceRef) ? `Facture ${m.invoiceRef} réglée : avis inutile` : null;
  if (m.caseId && s.caseStatus.get(m.caseId) !== "open") return "Dossier clos (payé, en perte ou après la sortie)";
  if (s.balanceCents <= 0) return "Plus rien n'est dû";
  if (m.purpose === "reminder" && paused({ promises: s.promises, plans: s.plans, payments: s.payments }, today)) return "En pause : promesse de paiement ou échéancier en cours";
  return null;
}

export async function standingOf(db: Database, customerIds: string[], caseIds: string[], today: CalendarDate, timeZone: string): Promise<Map<string, Standing>> {
  const [people, caseRows, unpaid] = await Promise.all([
    db.all<{ id: string; held: HoldReason | null; promises: string; plans: string; payments: string }>(sql`
      select c.id, ${heldReasonSql("c")} as held,
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
      held: p.held,
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

/**
 * Sends a claimed batch so that a crash leaves in doubt only what was in flight: the last checks' outcomes
 * (cancelled, postponed) are written first, together; then each message is marked handed (`handedAt`) just before it
 * goes to the provider, and its outcome is written as soon as the provider answers. A lane waits for its message's
 * write before taking the next, so at most one message a lane (an SMTP connection, an SMS request) is ever handed
 * and not yet recorded. Every write of a claimed message holds only while this worker holds its lease.
 */
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
  // A Manager's weekly summary goes unless the account was closed meanwhile.
  const closedAccounts = await inactiveUsers(db, claimed.filter((m) => m.purpose === "summary").map((m) => m.userId ?? ""));
  const ledger = new Ledger(db, options, todayOf);
  const release = { leaseOwner: null, leaseUntil: null };
  // Once an account's e-mail is settled, the outbox keeps its text without the link's token.
  const sealOf = (m: Row) => (m.purpose === "account" ? { body: withoutToken(m.body) } : {});
  const channelOf = (m: Row): AlertChannel => (m.channel === "email" ? "email" : "sms");

  const toSend: Row[] = [];
  const checked: Promise<void>[] = [];
  for (const m of claimed) {
    const why =
      m.purpose === "account"
        ? staleLinks.has(m.idempotencyKey.slice(accountMailKey("").length))
          ? "Lien déjà utilisé, expiré ou remplacé par un plus récent : courriel inutile"
          : null
        : m.purpose === "summary"
          ? closedAccounts.has(m.userId ?? "")
            ? "Compte désactivé : résumé inutile"
            : null
          : reasonNotToSend(m, m.customerId ? checks.get(zoneOf(m))!.standing.get(m.customerId) : undefined, todayOf(m));
    if (why) {
      checked.push(ledger.settle({ m, set: { status: "cancelled", lastError: why, ...sealOf(m), ...release }, outcome: "cancelled", detail: why, at: clock() }).then(count(result, "cancelled")));
      continue;
    }
    if (m.channel === "sms") {
      const slot = nextSmsSlot(clock(), zoneOf(m));
      if (slot) {
        // Not an attempt: given back, for the first allowed hour.
        const detail = `SMS hors des heures permises : reporté au ${formatDateFr(dateOfInstant(slot, zoneOf(m)))} 8 h`;
        checked.push(ledger.settle({ m, set: { status: "queued", notBefore: slot.toISOString(), attempts: m.attempts - 1, ...release }, outcome: "postponed", detail, at: clock() }).then(count(result, "postponed")));
        continue;
      }
    }
    toSend.push(m);
  }
  await Promise.all(checked);

  // A provider that refused this round for a reason of configuration is not asked again for the rest of the batch.
  const refused = new Map<AlertChannel, ConfigurationProblem>();
  const send = async (m: Row) => {
    const channel = channelOf(m);
    const problem = refused.get(channel);
    if (problem) {
      // Never handed: held back like the one refused, without an attempt of its own.
      const retryAt = new Date(clock().getTime() + CONFIGURATION_RETRY_MINUTES * 60_000).toISOString();
      const held = await ledger.settle({ m, set: { status: "queued", lastError: problem.message, notBefore: retryAt, attempts: m.attempts - 1, ...release }, alert: { channel, problem, at: clock() } });
      count(result, "retried")(held);
      return;
    }
    if (!(await ledger.hand(m, clock()))) {
      result.lapsed++;
      return;
    }
    const out = outgoingFrom(m, m.siteId ? sendings.get(m.siteId) : undefined, logos);
    // What went is what the record keeps: an attached letter with the letterhead it was printed with.
    const sentLetter = out.letter ? { letter: out.letter } : {};
    let outcome: SendResult;
    try {
      // Documents made as it goes (a statement of account): current when the customer opens them.
      if (m.channel === "email" && m.attachments?.length) out.attachments = await attachmentsOf(db, m);
      outcome = await (m.channel === "email" ? transports.email : transports.sms).send(out);
    } catch (error) {
      outcome = { ok: false, permanent: false, error: (error as Error).message };
    }
    const at = clock();
    const seal = sealOf(m);
    let settled: Settlement;
    let kind: keyof RoundResult;
    if (outcome.ok && outcome.written) {
      // Final like a sending (never tried again), but recorded as what it is: nobody received it.
      const detail = `Écrit dans le dossier local (${outcome.providerId.replace(/^file:/, "")}) : pas envoyé, aucun fournisseur d'envoi configuré`;
      settled = { m, set: { status: "written", providerId: outcome.providerId, sentAt: at.toISOString(), lastError: null, ...seal, ...sentLetter, ...release }, outcome: "written", detail, at, done: { m, at, written: true } };
      kind = "written";
    } else if (outcome.ok) {
      settled = { m, set: { status: "sent", providerId: outcome.providerId, sentAt: at.toISOString(), lastError: null, ...seal, ...sentLetter, ...release }, outcome: "sent", detail: outcome.providerId, at, done: { m, at, written: false } };
      kind = "sent";
    } else if ("configuration" in outcome) {
      // Every message would fail the same way: held back, not counted as an attempt, one alert for the office.
      refused.set(channel, outcome.configuration);
      const retryAt = new Date(at.getTime() + CONFIGURATION_RETRY_MINUTES * 60_000).toISOString();
      const detail = `${outcome.configuration.message} — en attente, nouvel essai dans ${CONFIGURATION_RETRY_MINUTES} min`;
      settled = { m, set: { status: "queued", lastError: outcome.configuration.message, notBefore: retryAt, attempts: m.attempts - 1, ...release }, outcome: "retry", detail, at, alert: { channel, problem: outcome.configuration, at } };
      kind = "retried";
    } else if ("inDoubt" in outcome) {
      if (m.channel === "sms") {
        // Left handed with its lease run out: the next round looks it up at the provider before anything else.
        settled = { m, set: { lastError: outcome.error, leaseUntil: DB_NOW }, outcome: "in_doubt", detail: outcome.error, at };
      } else {
        settled = { m, set: { status: "unknown", lastError: `${outcome.error}. Vérifiez avant de renvoyer.`, ...seal, ...release }, outcome: "in_doubt", detail: `${outcome.error} : rien n'est renvoyé sans vérification`, at };
      }
      kind = "unknown";
    } else if (outcome.permanent || m.attempts >= MAX_ATTEMPTS) {
      settled = { m, set: { status: "failed", lastError: outcome.error, ...seal, ...release }, outcome: "failed", detail: outcome.error, at, fixContact: outcome.permanent && Boolean(m.customerId) };
      kind = "failed";
    } else {
      const minutes = BACKOFF_MINUTES[Math.min(m.attempts, BACKOFF_MINUTES.length) - 1] ?? 60;
      settled = { m, set: { status: "queued", lastError: outcome.error, notBefore: new Date(at.getTime() + minutes * 60_000).toISOString(), ...release }, outcome: "retry", detail: `${outcome.error} — nouvel essai dans ${minutes} min`, at };
      kind = "retried";
    }
    // False: the lease lapsed meanwhile and another process settled the message; its outcome stands.
    if (await ledger.settle(settled)) result[kind]++;
    else result.lapsed++;
  };

  const emails = toSend.filter((m) => m.channel === "email");
  const sms = toSend.filter((m) => m.channel !== "email");
  await Promise.all([inLanes(emails, Math.min(options.concurrency ?? 32, transports.email.lanes), send), inLanes(sms, options.concurrency ?? 32, send)]);
  return result;
}

const count = (result: RoundResult, kind: keyof RoundResult) => (written: boolean) => {
  if (written) result[kind]++;
};

/** Runs `work` over `items`, `lanes` at a time; after a failure no lane takes another item, and the first failure is thrown once all have stopped. */
async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  let failure: { error: unknown } | null = null;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, lanes), queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined && !failure; item = queue.shift()) {
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw (failure as { error: unknown }).error;
}

/** What becomes of a claimed message, written only while this worker still holds its lease. */
interface Settlement {
  m: Row;
  set: SQLiteUpdateSetSource<typeof messages>;
  /** The attempt recorded with it; none for a message held back without being handed. */
  outcome?: (typeof messageAttempts.$inferInsert)["outcome"];
  detail?: string | null;
  at?: Date;
  done?: Done;
  fixContact?: boolean;
  alert?: { channel: AlertChannel; problem: ConfigurationProblem; at: Date };
}

type Entry = ({ kind: "hand"; m: Row; at: Date } | ({ kind: "settle" } & Settlement)) & { resolve(ok: boolean): void; reject(error: unknown): void };

/**
 * The worker's writes, as soon as they are asked for and a few at a time: whatever is waiting when the previous
 * write ends goes in the next transaction (one commit for the handful of lanes, not one a message). Each write says
 * whether it held: false when the lease is no longer this worker's.
 */
class Ledger {
  private waiting: Entry[] = [];
  private writing = false;

  constructor(
    private readonly db: Database,
    private readonly options: WorkerOptions,
    private readonly todayOf: (m: Row) => CalendarDate,
  ) {}

  /** Marks the message handed to its provider (and renews its lease): false if this worker lost it. */
  hand(m: Row, at: Date): Promise<boolean> {
    return this.ask({ kind: "hand", m, at });
  }

  settle(s: Settlement): Promise<boolean> {
    return this.ask({ kind: "settle", ...s });
  }

  private ask(entry: Omit<Entry, "resolve" | "reject">): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ ...entry, resolve, reject } as Entry);
      this.next();
    });
  }

  private next(): void {
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0);
    this.writing = true;
    this.write(batch)
      .then(
        (held) => batch.forEach((e, i) => e.resolve(held[i]!)),
        (error) => batch.forEach((e) => e.reject(error)),
      )
      .finally(() => {
        this.writing = false;
        this.next();
      });
  }

  /**
   * Two batches (each one atomic statement list, no transaction held open across awaits): the first checks and
   * renews this worker's lease on every message (and marks the handed ones); the second writes the outcomes of those
   * still held, with their attempts, history, alerts — all or nothing. Between the two the lease is fresh: nobody
   * else may take them.
   */
  private async write(batch: Entry[]): Promise<boolean[]> {
    const { db } = this;
    const { id: owner } = this.options;
    const lease = this.options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const renewals = batch.map((e) =>
      db
        .update(messages)
        .set(e.kind === "hand" ? { handedAt: e.at.toISOString(), leaseUntil: dbNowPlus(lease) } : { leaseUntil: dbNowPlus(lease) })
        .where(heldBy(owner, e.m.id))
        .returning({ id: messages.id }),
    );
    const held = ((await db.batch(renewals as [(typeof renewals)[number]])) as { id: string }[][]).map((rows) => rows.length === 1);
    const settled = batch.flatMap((e, i) => (e.kind === "settle" && held[i] ? [e] : []));
    if (settled.length === 0) return held;
    const attempts = settled.flatMap((s) => (s.outcome ? [{ id: uuidv7(), messageId: s.m.id, worker: owner, at: s.at!.toISOString(), outcome: s.outcome, detail: s.detail ?? null }] : []));
    const cleared = new Set(settled.flatMap((s) => (s.done && !s.done.written ? [s.m.channel === "email" ? ("email" as const) : ("sms" as const)] : [])));
    const statements = [
      ...settled.map((s) => db.update(messages).set(s.set).where(heldBy(owner, s.m.id))),
      ...(attempts.length > 0 ? [db.insert(messageAttempts).values(attempts)] : []),
      ...historyStatements(db, settled.flatMap((s) => (s.done ? [s.done] : []))),
      ...settled.flatMap((s) => (s.alert ? [raiseAlertStatement(db, s.alert.channel, s.alert.problem, s.alert.at)] : [])),
      ...[...cleared].map((channel) => clearAlertStatement(db, channel)),
    ];
    await db.batch(statements as unknown as [(typeof statements)[number]]);
    // A wrong address or number (rare): the floor's task, read and written apart from the outcome it follows.
    const fix = settled.flatMap((s) => (s.fixContact ? [s.m] : []));
    if (fix.length > 0) await askToFixContacts(db, fix, this.todayOf);
    return held;
  }
}

/** A message that left the outbox: sent, or only written to the local folder. */
interface Done {
  m: Row;
  at: Date;
  written: boolean;
}

/**
 * The customer's history says what happened, as the floor and the billing software's log want it: sent, or only
 * written to the local folder. It keeps the text that went (an SMS's in the line, an e-mail's in `data`).
 */
async function historyOf(db: Database | Transaction, all: Done[]): Promise<void> {
  for (const statement of historyStatements(db, all)) await statement;
}

/** `historyOf` as statements, to run in a `db.batch` with the outcomes they record. */
function historyStatements(db: Database | Transaction, all: Done[]) {
  // An account's e-mail is about a user, not a customer: it has no place in a customer's history.
  const done = all.flatMap((d) => (d.m.customerId ? [{ ...d, customerId: d.m.customerId }] : []));
  if (done.length === 0) return [];
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
  const inserts = [];
  for (let i = 0; i < rows.length; i += 200) inserts.push(db.insert(actions).values(rows.slice(i, i + 200)));
  return [...inserts, ...customersChangedStatements(db, done.map((d) => d.customerId))];
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

/**
 * A bounced address or a wrong number: one open task for the floor to fix the customer's contact, once — none while
 * one is open. A message stored without its site (queued before every message knew it) is the site of the
 * customer's box: the task is on the floor that can reach them.
 */
async function askToFixContacts(db: Database | Transaction, all: Row[], todayOf: (m: Row) => CalendarDate): Promise<void> {
  const failed = all.flatMap((m) => (m.customerId ? [{ ...m, customerId: m.customerId }] : []));
  const customers = [...new Set(failed.map((m) => m.customerId))];
  if (customers.length === 0) return;
  const open = await db
    .select({ customerId: tasks.customerId })
    .from(tasks)
    .where(and(inArray(tasks.customerId, customers), eq(tasks.kind, "fix_contact"), eq(tasks.status, "open")));
  const already = new Set(open.map((t) => t.customerId));
  const siteOf = await customerSiteIds(db, [...new Set(failed.filter((m) => !m.siteId).map((m) => m.customerId))]);
  const rows = failed
    .filter((m, i) => !already.has(m.customerId) && failed.findIndex((x) => x.customerId === m.customerId) === i)
    .flatMap((m) => {
      const siteId = m.siteId ?? siteOf.get(m.customerId);
      return siteId ? [{ id: uuidv7(), siteId, caseId: m.caseId, customerId: m.customerId, unitId: null, kind: "fix_contact" as const, stepCode: m.stepCode, dueOn: todayOf(m), status: "open" as const }] : [];
    });
  if (rows.length > 0) {
    await db.insert(tasks).values(rows);
    await markCustomersChanged(db, rows.map((r) => r.customerId));
  }
}

/** How long after an SMS was handed to Brevo its events may still be missing: until then, no conclusion. */
const SMS_EVENTS_LATE_MINUTES = 15;
/** Between two looks for the events of an SMS in doubt. */
const SMS_LOOK_AGAIN_MINUTES = 5;

/**
 * An SMS whose worker stopped while Brevo may have had it (handed over, lease lapsed). Brevo is asked for this
 * SMS's own events — its tag and its number, never another's. One found: it went; marked sent with Brevo's id, not
 * sent again. None yet: events come late, so it is asked again every few minutes until 15 minutes after it was
 * handed over; still nothing then, it is left `unknown` (*à vérifier*) for the office — never sent again on a guess
 * (an event read later still settles it: `recordSmsEvents`).
 */
export async function settleSmsInDoubt(db: Database, sms: SmsSender, m: Row, now: Date, options: WorkerOptions): Promise<"reconciled" | "waiting" | "unknown"> {
  const handedAt = new Date(m.handedAt ?? m.updatedAt);
  const decideAt = handedAt.getTime() + SMS_EVENTS_LATE_MINUTES * 60_000;
  const attempt = (outcome: (typeof messageAttempts.$inferInsert)["outcome"], detail: string) =>
    db.insert(messageAttempts).values({ id: uuidv7(), messageId: m.id, worker: options.id, at: now.toISOString(), outcome, detail });
  // Taken over by this worker (`settleAbandoned`): another process looking at the same lapsed lease changes nothing.
  const stillMine = heldBy(options.id, m.id);
  let events: SmsEvent[] = [];
  let notBefore: number | null = null;
  let fault: string | null = null;
  try {
    events = await sms.reconcile!(outgoing(m), handedAt, now);
  } catch (error) {
    if (error instanceof RateLimited) notBefore = error.until.getTime();
    else fault = (error as Error).message;
  }
  if (events.length > 0) {
    const providerId = events[0]!.providerId;
    const done = await db
      .update(messages)
      .set({ status: "sent", providerId, sentAt: handedAt.toISOString(), lastError: null, leaseOwner: null, leaseUntil: null })
      .where(stillMine)
      .returning({ id: messages.id });
    if (done.length === 0) return "waiting";
    await attempt("reconciled", `Envoi interrompu ; Brevo l'a reçu (${providerId}, ${events.map((e) => e.event).join(", ")}) : pas de second envoi`);
    await historyOf(db, [{ m, at: handedAt, written: false }]);
    await recordSmsEvents(db, events, now, options.timeZone);
    return "reconciled";
  }
  if (now.getTime() < decideAt) {
    const next = Math.max(notBefore ?? 0, Math.min(decideAt, now.getTime() + SMS_LOOK_AGAIN_MINUTES * 60_000));
    // Still handed, its lease set to lapse at the next look (leases run on the database's clock: a duration).
    await db.update(messages).set({ leaseOwner: null, leaseUntil: dbNowPlus(Math.max(1, Math.round((next - now.getTime()) / 1000))) }).where(stillMine);
    return "waiting";
  }
  const why = fault
    ? `Envoi de SMS interrompu, et Brevo ne répond pas pour le vérifier (${fault}). Vérifiez dans Brevo avant de renvoyer.`
    : notBefore
      ? "Envoi de SMS interrompu, et la limite de requêtes de Brevo empêche de le vérifier. Vérifiez dans Brevo avant de renvoyer."
      : `Envoi de SMS interrompu : Brevo ne montre aucun événement de ce SMS ${SMS_EVENTS_LATE_MINUTES} min après. Vérifiez dans Brevo avant de renvoyer.`;
  const left = await db.update(messages).set({ status: "unknown", lastError: why, leaseOwner: null, leaseUntil: null }).where(stillMine).returning({ id: messages.id });
  if (left.length === 0) return "waiting";
  await attempt("in_doubt", why);
  return "unknown";
}

/** A delivery event's words for the office. */
const SMS_EVENT_WORDS: Record<string, string> = {
  hardBounces: "numéro invalide ou inexistant",
  softBounces: "échec temporaire, non remis",
  blocked: "numéro bloqué (liste noire ou STOP)",
  rejected: "refusé par l'opérateur",
  skipped: "non envoyé par Brevo",
};

/**
 * Records what Brevo says of SMS (its webhook, or its events read back): each SMS's delivery moves forward only
 * (a late `sent` never undoes `delivered`); a number refused for good (`hardBounces`, `blocked`, `rejected`) asks
 * the floor to fix it, once — the same report read again changes nothing. An event of an SMS we have no id for
 * (interrupted, or left *à vérifier*) settles it as sent when its tag and its number are that message's.
 */
export async function recordSmsEvents(db: Database, events: readonly SmsEvent[], now: Date, timeZone: string): Promise<number> {
  const latest = new Map<string, SmsEvent>();
  for (const e of events) {
    const rank = deliveryRank(e.event);
    if (rank === null) continue;
    const kept = latest.get(e.providerId);
    const keptRank = kept ? deliveryRank(kept.event)! : -1;
    if (rank > keptRank || (rank === keptRank && e.date > kept!.date)) latest.set(e.providerId, e);
  }
  if (latest.size === 0) return 0;
  const ids = [...latest.keys()];
  const known: Row[] = [];
  for (let i = 0; i < ids.length; i += 500) known.push(...(await db.select().from(messages).where(and(eq(messages.channel, "sms"), inArray(messages.providerId, ids.slice(i, i + 500))))));
  const settled = new Set(known.map((m) => m.providerId));
  const byTag = new Map([...latest.values()].filter((e) => !settled.has(e.providerId) && e.tag?.startsWith("cadenas-")).map((e) => [e.tag!.slice("cadenas-".length), e]));
  if (byTag.size > 0) {
    const waiting = await db
      .select()
      .from(messages)
      .where(and(eq(messages.channel, "sms"), inArray(messages.id, [...byTag.keys()]), inArray(messages.status, ["sending", "unknown", "queued"]), isNull(messages.providerId)));
    for (const m of waiting) {
      const e = byTag.get(m.id)!;
      const to = toE164(m.recipient);
      // Its tag and its number, or it is not this SMS; a worker still holding it records it itself.
      if (!to || to.slice(1) !== e.phone) continue;
      const at = m.handedAt ?? e.date;
      const done = await db
        .update(messages)
        .set({ status: "sent", providerId: e.providerId, sentAt: at, lastError: null, leaseOwner: null, leaseUntil: null })
        .where(and(eq(messages.id, m.id), eq(messages.status, m.status), isNull(messages.providerId), m.status === "sending" ? lt(messages.leaseUntil, DB_NOW) : undefined))
        .returning();
      if (done.length === 0) continue;
      await db.insert(messageAttempts).values({ id: uuidv7(), messageId: m.id, worker: "brevo", at: now.toISOString(), outcome: "reconciled", detail: `Brevo l'a reçu (${e.providerId}, ${e.event}) : marqué envoyé, pas de second envoi` });
      await historyOf(db, [{ m, at: new Date(at), written: false }]);
      known.push(done[0]!);
    }
  }
  const refused: Row[] = [];
  let recorded = 0;
  for (const m of known) {
    const e = latest.get(m.providerId!)!;
    if ((deliveryRank(e.event) ?? 0) <= (deliveryRank(m.deliveryStatus) ?? 0)) continue;
    const failed = SMS_EVENT_WORDS[e.event];
    await db
      .update(messages)
      .set({ deliveryStatus: e.event, deliveredAt: e.date, ...(failed ? { lastError: `Non remis : ${failed}${e.reason ? ` (${e.reason})` : ""}` } : {}) })
      .where(and(eq(messages.id, m.id), m.deliveryStatus ? eq(messages.deliveryStatus, m.deliveryStatus) : isNull(messages.deliveryStatus)));
    recorded++;
    if ((SMS_NUMBER_REFUSED as readonly string[]).includes(e.event)) refused.push(m);
  }
  const zoneOf = zonesOf(await siteSendings(db, refused.map((m) => m.siteId)), timeZone);
  await askToFixContacts(db, refused, (m) => dateOfInstant(now, zoneOf(m)));
  return recorded;
}

/** Delivery reports, days back, that the polling fallback reads. */
const DELIVERY_DAYS = 3;
/** Minutes between two reads of the delivery reports: without the webhook, and as a fallback beside it. */
const DELIVERY_READ_MINUTES = 15;
const DELIVERY_READ_WITH_WEBHOOK_MINUTES = 60;

/**
 * The polling fallback: reads back Brevo's events of the last days and records them (`recordSmsEvents`), only when
 * an SMS sent lately still waits for its outcome or one is left to check — the events endpoint is limited (100
 * requests an hour on ordinary plans). Stopped by the limit, it keeps what it read and says when to go on.
 */
export async function recordSmsDeliveries(db: Database, sms: SmsSender, timeZone: string, now: Date = new Date(), days = DELIVERY_DAYS): Promise<{ recorded: number; retryAt: Date | null }> {
  if (!sms.deliveries) return { recorded: 0, retryAt: null };
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const [waiting] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.channel, "sms"),
        or(eq(messages.status, "unknown"), and(eq(messages.status, "sent"), gte(messages.sentAt, since), or(isNull(messages.deliveryStatus), inArray(messages.deliveryStatus, ["sent", "accepted"])))),
      ),
    )
    .limit(1);
  if (!waiting) return { recorded: 0, retryAt: null };
  const { events, retryAt } = await sms.deliveries(days, now);
  return { recorded: await recordSmsEvents(db, events, now, timeZone), retryAt };
}

/** The transports the configuration names: SMTP and Brevo when set, else the local outbox folder. */
export function transportsFor(config: Config): Transports {
  const t = {
    dataDir: config.dataDir,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    dkim: config.dkim,
    smsProvider: config.sms.provider,
    smsUrl: config.sms.url,
    smsToken: config.sms.token,
    smsSender: config.sms.sender,
    // Brevo must reach it: only with PUBLIC_URL (a loopback address is no use to Brevo) and the webhook's secret.
    smsWebhookUrl: config.publicUrl && config.sms.webhookToken ? brevoWebhookUrl(config.publicUrl, config.sms.webhookToken) : undefined,
  };
  return { email: createEmailSender(t), sms: createSmsSender(t) };
}

/** Runs the worker every `outboxEverySeconds` in this process (several processes may: leases keep them apart). */
export function startOutboxWorker(db: Database, config: Config, log: (line: string) => void): { stop(): Promise<void> } {
  if (config.outboxEverySeconds === null) return { stop: async () => undefined };
  const transports = transportsFor(config);
  const options: WorkerOptions = {
    id: `worker-${process.pid}-${uuidv7().slice(-6)}`,
    timeZone: config.siteTimeZone,
    now: config.now ? () => new Date(config.now!) : undefined,
  };
  let running = false;
  // Delivery reports come by Brevo's webhook when it is set; read back as a slow fallback, within the rate limit.
  let nextDeliveryRead = 0;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await sendDueMessages(db, transports, options);
      const moved = r.sent + r.written + r.failed + r.retried + r.cancelled + r.unknown + r.reconciled;
      if (moved > 0) log(`Outbox: ${r.sent} sent, ${r.written} written to the local folder (not sent), ${r.retried} to retry, ${r.failed} failed, ${r.cancelled} cancelled, ${r.postponed} postponed, ${r.unknown} to check.`);
      const now = (options.now ?? (() => new Date()))();
      if (transports.sms.deliveries && now.getTime() >= nextDeliveryRead) {
        const read = await recordSmsDeliveries(db, transports.sms, config.siteTimeZone, now);
        const every = (transports.sms.pushesEvents ? DELIVERY_READ_WITH_WEBHOOK_MINUTES : DELIVERY_READ_MINUTES) * 60_000;
        // Stopped by the rate limit: on from where the limit resets, not before.
        nextDeliveryRead = read.retryAt ? read.retryAt.getTime() : now.getTime() + every;
      }
    } catch (e) {
      log(`Outbox failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  let current: Promise<void> = Promise.resolve();
  const look = () => {
    if (!running) current = tick();
  };
  const timer = setInterval(look, config.outboxEverySeconds * 1000);
  timer.unref();
  look();
  return {
    // The messages claimed in the round under way are handed (or settled) before the connections close: none is
    // left leased to a process that is gone.
    stop: async () => {
      clearInterval(timer);
      await current;
      transports.email.close();
    },
  };
}
