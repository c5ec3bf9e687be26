import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { createEmailSender } from "../../server/messaging/transports";
import { sendDueMessages } from "../../server/messaging/worker";
import { queueWeeklySummaries, summaryDueOn } from "../../server/summary/weekly";
import { addDays, dayOfWeek, zonedInstant } from "../../shared/dates";
import { formatEuros } from "../../shared/money";
import { startSmtpSink, type SmtpSink } from "../support/providers";
import { startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The Managers' weekly summary (issue 17): written to the outbox once each Monday from 8:00 in their sites' zone, sent
// like every message, with the week's figures and the cases that wait for them.

const ZONE = "Europe/Paris";
let monday = TEST_TODAY;
while (dayOfWeek(monday) !== 1) monday = addDays(monday, 1);
const at = (day: string, time: string) => new Date(zonedInstant(day, time, ZONE));
const MONDAY_8H = at(monday, "08:00");

let server: TestServer;
let smtp: SmtpSink;
const options = { timeZone: ZONE, publicUrl: "https://cadenas.example" };

beforeAll(async () => {
  [server, smtp] = await Promise.all([startTestServer(), startSmtpSink()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), smtp?.close()]);
});

describe("the Monday summary", () => {
  it("is due on Monday from 8:00 in the zone, to the end of that day, and at no other time", () => {
    expect(summaryDueOn(at(monday, "07:59"), ZONE)).toBeNull();
    expect(summaryDueOn(at(monday, "08:00"), ZONE)).toBe(monday);
    expect(summaryDueOn(at(monday, "23:59"), ZONE)).toBe(monday);
    expect(summaryDueOn(at(addDays(monday, 1), "08:00"), ZONE)).toBeNull();
    expect(summaryDueOn(at(addDays(monday, -1), "23:00"), ZONE)).toBeNull();
    // 8:00 in Paris is 7:00 UTC in winter: a server in UTC must not wait for its own 8:00.
    expect(summaryDueOn(new Date(`${monday}T07:30:00Z`), ZONE)).toBe(monday);
  });

  it("is not written before Monday 8:00", async () => {
    const db = server.services.db;
    expect(await queueWeeklySummaries(db, at(monday, "07:59"), options)).toBe(0);
    expect(await db.select().from(messages).where(eq(messages.purpose, "summary"))).toHaveLength(0);
  });

  it("is written once per Manager on Monday, whoever looks again, and reaches the Manager's mailbox with the figures and the cases waiting", async () => {
    const db = server.services.db;
    const managers = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.role, "manager"));
    expect(managers.length).toBeGreaterThan(0);
    const written = await queueWeeklySummaries(db, MONDAY_8H, options);
    expect(written).toBe(managers.length);
    // A second look, or another process, writes nothing more.
    expect(await queueWeeklySummaries(db, at(monday, "09:00"), options)).toBe(0);
    const queued = await db.select().from(messages).where(eq(messages.purpose, "summary"));
    expect(queued.map((m) => m.recipient).sort()).toEqual(managers.map((m) => m.email).sort());
    expect(queued.every((m) => m.customerId === null && m.idempotencyKey.endsWith(`:${monday}`))).toBe(true);

    // What the e-mail must say, read straight from the tables of the Manager's sites.
    const manager = managers.find((m) => m.email === "manager@demo.test")!;
    const siteIds = sql`(select site_id from user_sites where user_id = ${manager.id})`;
    const [cash] = await db.all<{ cents: number }>(sql`
      select coalesce(sum(p.amount_cents), 0) as cents from payments p where p.status = 'ok' and p.date between ${addDays(monday, -7)} and ${addDays(monday, -1)}
        and exists (select 1 from contracts ct join units u on u.id = ct.unit_id where ct.customer_id = p.customer_id and u.site_id in ${siteIds})`);
    const [approvals] = await db.all<{ n: number }>(sql`select count(*) as n from planned_actions pa where status = 'awaiting_approval'
      and exists (select 1 from contracts ct join units u on u.id = ct.unit_id where ct.customer_id = pa.customer_id and u.site_id in ${siteIds})`);

    const sent = await sendDueMessages(db, { email: createEmailSender({ dataDir: server.dir, smtpUrl: smtp.url, mailFrom: "resume@cadenas.test" }), sms: undefined as never }, { id: "test", timeZone: ZONE, now: () => at(monday, "08:05") });
    expect(sent.sent).toBe(managers.length);
    const mail = smtp.received.find((m) => (m.to && !Array.isArray(m.to) ? m.to.text : "") === manager.email)!;
    expect(mail.subject).toContain("les impayés de la semaine");
    expect(mail.text).toContain(`Encaissé la semaine du`);
    expect(mail.text).toContain(formatEuros(Number(cash!.cents)));
    if (Number(approvals!.n) > 0) expect(mail.text).toContain(`${approvals!.n} étape`);
    expect(mail.text).toContain("https://cadenas.example/suivi");
    const codes = await db.all<{ code: string }>(sql`select s.code from sites s where s.id in ${siteIds} order by s.code`);
    expect(mail.text).toContain(`vos sites (${codes.map((c) => c.code).join(", ")})`);
    // The cases listed are the Manager's sites' only.
    const named = [...mail.text!.matchAll(/\(CL\d+, (\w+) /g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((code) => codes.some((c) => c.code === code))).toBe(true);
  });

  it("is not sent to a Manager whose account was closed after it was written", async () => {
    const db = server.services.db;
    const nextMonday = addDays(monday, 7);
    const [manager] = await db.select().from(users).where(eq(users.email, "manager@demo.test"));
    expect(await queueWeeklySummaries(db, at(nextMonday, "08:00"), options)).toBeGreaterThan(0);
    await db.update(users).set({ active: false }).where(eq(users.id, manager!.id));
    const before = smtp.received.length;
    await sendDueMessages(db, { email: createEmailSender({ dataDir: server.dir, smtpUrl: smtp.url, mailFrom: "resume@cadenas.test" }), sms: undefined as never }, { id: "test", timeZone: ZONE, now: () => at(nextMonday, "08:05") });
    const [row] = await db.select().from(messages).where(eq(messages.idempotencyKey, `summary:${manager!.id}:${nextMonday}`));
    expect(row).toMatchObject({ status: "cancelled", lastError: "Compte désactivé : résumé inutile" });
    expect(smtp.received.slice(before).some((m) => (m.to && !Array.isArray(m.to) ? m.to.text : "") === manager!.email)).toBe(false);
  });
});
