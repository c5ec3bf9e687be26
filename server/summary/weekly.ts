import { and, eq, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { addDays, dateOfInstant, dayOfWeek, formatDateFr, zonedInstant, type CalendarDate } from "../../shared/dates";
import { formatEuros } from "../../shared/money";
import { FollowUpQuery, type FollowUpRow, type LateBucket } from "../../shared/schemas/follow-up";
import { userTimeZone } from "../../shared/sites/zone";
import { operatorSenderName } from "../auth/account-mail";
import { userSites, users } from "../auth/auth.sql";
import { inScope, scopeFor, type Scope } from "../auth/scope";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import { dashboardFigures } from "../dashboard/figures";
import { followUp } from "../follow-up/query";
import { messages } from "../messaging/messaging.sql";
import { startPeriodic, type Periodic } from "../periodic";
import { sites } from "../sites/sites.sql";

// Each Manager gets a summary of their sites by e-mail every Monday at 8:00 in their sites' time zone, through the
// outbox like every message: the week's key figures and the cases that need them. It is written once a Monday
// whichever process looks first (its idempotency key names the user and the Monday), and a server started later that
// Monday still writes it; on Tuesday that week's summary is no longer news and is skipped.

/** The Monday whose summary is due at `now` in `timeZone` (from 8:00 that day to the end of it), or null. */
export function summaryDueOn(now: Date, timeZone: string): CalendarDate | null {
  const day = dateOfInstant(now, timeZone);
  if (dayOfWeek(day) !== 1) return null;
  return now.getTime() >= new Date(zonedInstant(day, "08:00", timeZone)).getTime() ? day : null;
}

export const summaryKey = (userId: string, monday: CalendarDate) => `summary:${userId}:${monday}`;

/** How many cases of each list the e-mail names; the rest are counted and linked. */
const LISTED = 10;
/** A case untouched this long is listed as waiting for someone. */
const IDLE_DAYS = 14;

export interface WeeklySummary {
  subject: string;
  body: string;
}

export interface SummaryFacts {
  manager: { name: string };
  siteCodes: readonly string[];
  monday: CalendarDate;
  owing: { count: number; cents: number };
  aged: readonly { bucket: LateBucket; amountCents: number; count: number }[];
  collectedCents: number;
  promises: { kept: number; broken: number };
  approvals: number;
  broken: { total: number; rows: readonly FollowUpRow[] };
  idle: { total: number; rows: readonly FollowUpRow[] };
  publicUrl: string;
}

const BUCKET_TEXT: Record<LateBucket, string> = { "0-15": "0 à 15 j", "16-30": "16 à 30 j", "31-45": "31 à 45 j", "46-60": "46 à 60 j", "60+": "plus de 60 j" };

/** The e-mail's text, in French: the figures first, then what waits for the Manager, each list with its link. */
export function weeklySummaryText(f: SummaryFacts, senderName: string): WeeklySummary {
  const week = `du ${formatDateFr(addDays(f.monday, -7))} au ${formatDateFr(addDays(f.monday, -1))}`;
  const line = (r: FollowUpRow) => `  - ${r.name} (${r.ref}, ${r.site.code} ${r.units.join(" ")}) : ${formatEuros(r.balanceCents)}, ${r.daysLate} j de retard — ${f.publicUrl}/debiteurs/${r.customerId}`;
  const list = (title: string, part: { total: number; rows: readonly FollowUpRow[] }, link: string) =>
    part.total === 0
      ? []
      : [`${title} (${part.total}) :`, ...part.rows.map(line), ...(part.total > part.rows.length ? [`  … et ${part.total - part.rows.length} autres : ${link}`] : [])].join("\n");
  const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;
  const waiting = [
    f.approvals > 0 ? `${plural(f.approvals, "étape attend", "étapes attendent")} votre validation : ${f.publicUrl}/validations` : "",
    list("Promesses non tenues", f.broken, `${f.publicUrl}/suivi?promise=broken`),
    list(`Sans action depuis ${IDLE_DAYS} jours ou plus`, f.idle, `${f.publicUrl}/suivi?idleDays=${IDLE_DAYS}`),
  ].filter((p) => p !== "");
  return {
    subject: `${senderName} : les impayés de la semaine ${week}`,
    body: [
      `Bonjour ${f.manager.name},`,
      `Voici le point des impayés de vos sites (${f.siteCodes.join(", ")}) ce lundi ${formatDateFr(f.monday)}.`,
      [
        "Les chiffres :",
        `  - Dû aujourd'hui : ${formatEuros(f.owing.cents)} par ${plural(f.owing.count, "client", "clients")}`,
        `  - Encaissé la semaine ${week} : ${formatEuros(f.collectedCents)}`,
        `  - Promesses de la semaine : ${plural(f.promises.kept, "tenue", "tenues")}, ${plural(f.promises.broken, "non tenue", "non tenues")}`,
        "  - Par ancienneté : " + f.aged.map((b) => `${BUCKET_TEXT[b.bucket]} ${formatEuros(b.amountCents)} (${b.count})`).join(" · "),
      ].join("\n"),
      waiting.length > 0 ? `Ce qui vous attend :\n\n${waiting.join("\n\n")}` : "Rien ne vous attend cette semaine : aucune validation, aucune promesse non tenue, aucun dossier oublié.",
      `Le suivi des impayés : ${f.publicUrl}/suivi\nLe tableau de bord : ${f.publicUrl}/tableau-de-bord`,
      "Ce résumé part chaque lundi à 8 h. Il est envoyé aux managers de sites.",
    ].join("\n\n"),
  };
}

/** What a Manager's summary says about their sites, worked out now. */
async function factsFor(db: Database, scope: Scope, manager: { name: string }, siteCodes: string[], monday: CalendarDate, publicUrl: string): Promise<SummaryFacts> {
  const view = (q: Record<string, string>) => followUp(db, scope, FollowUpQuery.parse({ limit: String(LISTED), ...q }), monday);
  const [figures, all, broken, idle, [approvals]] = await Promise.all([
    dashboardFigures(db, scope, { from: addDays(monday, -7), to: addDays(monday, -1) }, monday),
    view({ limit: "1" }),
    view({ promise: "broken", sort: "balance", dir: "desc" }),
    view({ idleDays: String(IDLE_DAYS), sort: "balance", dir: "desc" }),
    // As the Validations screen lists them: a step waiting whose customer rents at one of the Manager's sites.
    db.all<{ n: number }>(sql`select count(*) as n from planned_actions pa where pa.status = 'awaiting_approval'
      and exists (select 1 from contracts ct join units u on u.id = ct.unit_id where ct.customer_id = pa.customer_id and ${inScope(scope, sql.raw("u.site_id"))})`),
  ]);
  return {
    manager,
    siteCodes,
    monday,
    owing: { count: all.total, cents: all.totalBalanceCents },
    aged: figures.all.agedBalance,
    collectedCents: figures.all.cash.reduce((sum, m) => sum + m.amountCents, 0),
    promises: { kept: figures.all.promises.kept, broken: figures.all.promises.broken },
    approvals: Number(approvals?.n ?? 0),
    broken: { total: broken.total, rows: broken.rows },
    idle: { total: idle.total, rows: idle.rows },
    publicUrl,
  };
}

/**
 * Writes into the outbox the summaries due now: each active Manager with an e-mail and sites, whose Monday 8:00 has
 * come in their sites' zone and whose summary of that Monday is not written yet. Returns how many it wrote.
 */
export async function queueWeeklySummaries(db: Database, now: Date, options: { timeZone: string; publicUrl: string }): Promise<number> {
  const managers = await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(and(eq(users.role, "manager"), eq(users.active, true)));
  let written = 0;
  for (const m of managers) {
    const own = await db.select({ id: sites.id, code: sites.code, timeZone: sites.timeZone }).from(userSites).innerJoin(sites, eq(sites.id, userSites.siteId)).where(eq(userSites.userId, m.id)).orderBy(sites.code);
    if (own.length === 0 || !m.email) continue;
    const monday = summaryDueOn(now, userTimeZone(own, options.timeZone));
    if (!monday) continue;
    const key = summaryKey(m.id, monday);
    const [already] = await db.select({ id: messages.id }).from(messages).where(eq(messages.idempotencyKey, key));
    if (already) continue;
    const facts = await factsFor(db, scopeFor("manager", own.map((s) => s.id)), m, own.map((s) => s.code), monday, options.publicUrl);
    const { subject, body } = weeklySummaryText(facts, await operatorSenderName(db, m.id));
    const inserted = await db
      .insert(messages)
      .values({ id: uuidv7(), userId: m.id, channel: "email", purpose: "summary", templateCode: "weekly-summary", siteId: own[0]!.id, recipient: m.email, subject, body, idempotencyKey: key, notBefore: now.toISOString() })
      .onConflictDoNothing({ target: messages.idempotencyKey })
      .returning({ id: messages.id });
    written += inserted.length;
  }
  return written;
}

/** Looks every few minutes whether a Manager's Monday summary is due; tests look often and wait on `nextLook()`. */
export function startWeeklySummaries(db: Database, clock: Clock, options: { timeZone: string; publicUrl: () => string; everyMs?: number }, log: (line: string) => void): Periodic<number> {
  return startPeriodic(
    options.everyMs ?? 5 * 60_000,
    async () => {
      const n = await queueWeeklySummaries(db, clock.now(), { timeZone: options.timeZone, publicUrl: options.publicUrl() });
      if (n > 0) log(`Weekly summaries: ${n} written to the outbox.`);
      return n;
    },
    (e) => {
      log(`Weekly summaries failed (tried again at the next look): ${e.message}`);
      return -1;
    },
  );
}
