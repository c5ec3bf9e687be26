import { generateKeyPairSync } from "node:crypto";
import { and, eq, inArray, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { messageAttempts, messages, providerAlerts } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { createEmailSender, createSmsSender, type EmailSender, type TransportConfig } from "../../server/messaging/transports";
import { sendDueMessages, type Transports } from "../../server/messaging/worker";
import { startRelay, type Relay } from "../support/smtp-relays";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The outbox against SMTP relays that answer as real ones do (tests/support/smtp-relays.ts): only a refused
// recipient is the address's fault; a relay refusing AUTH, the sender or the message is our configuration — one
// alert, messages kept queued, no task per customer; greylisting is waited out; a stalled relay never leads to a
// second send; and a worker whose lease lapsed cannot overwrite the outcome another process wrote.

let server: TestServer;
let office: string;
let customerId: string;
const relays: Relay[] = [];
const senders: EmailSender[] = [];
/** Monday 23 November 2026, 10:00 in Paris. */
const MONDAY_10H = Date.parse("2026-11-23T09:00:00Z");
const at = (minutes: number) => () => new Date(MONDAY_10H + minutes * 60_000);
/** Short timeouts, so that a stall shows in the test's time (production: 10 s / 10 s / 30 s). */
const QUICK = { connection: 2_000, greeting: 2_000, socket: 400 };

beforeAll(async () => {
  server = await startTestServer();
  office = await signIn(server.url, "bureau@demo.test");
  [{ id: customerId }] = await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, "CL1003")) as [{ id: string }];
});
afterAll(async () => {
  for (const s of senders) s.close();
  await Promise.all(relays.map((r) => r.close()));
  await server.close();
});

async function relay(...args: Parameters<typeof startRelay>): Promise<Relay> {
  const r = await startRelay(...args);
  relays.push(r);
  return r;
}

function through(url: string, more: Partial<TransportConfig> = {}): Transports {
  const email = createEmailSender({ dataDir: server.dir, smtpUrl: url, mailFrom: "relances@cadenas.test", smtpTimeouts: QUICK, ...more });
  senders.push(email);
  return { email, sms: createSmsSender({ dataDir: server.dir }) };
}

let batch = 0;
/** Queues `n` e-mails (the floor's reminder) and gives their ids; every other message is out of the way. */
async function queue(n: number): Promise<string[]> {
  const db = server.services.db;
  await db.update(messages).set({ status: "cancelled" }).where(inArray(messages.status, ["queued", "sending"]));
  const tag = `relay-${++batch}`;
  await queueMessages(
    db,
    Array.from({ length: n }, (_, i) => ({ customerId, caseId: null, plannedActionId: "x", key: `${tag}|${i}`, step: "reminder", template: "box-reminder-email", channel: "email" as const, purpose: "floor" as const })),
    TEST_TODAY,
  );
  return (await db.select({ id: messages.id }).from(messages).where(like(messages.idempotencyKey, `%${tag}|%`))).map((m) => m.id);
}

const rows = (ids: string[]) => server.services.db.select().from(messages).where(inArray(messages.id, ids));
const fixTasks = () => server.services.db.select().from(tasks).where(and(eq(tasks.customerId, customerId), eq(tasks.kind, "fix_contact")));
const alerts = () => server.services.db.select().from(providerAlerts);
const clearAlerts = () => server.services.db.delete(providerAlerts);

describe("a refusal that is not the address's fault", () => {
  it("a relay refusing the sender (550 at MAIL FROM): one alert, the messages kept queued, no task for the customer; fixed, they go", async () => {
    const r = await relay({ refuseSender: true });
    const t = through(r.url);
    const ids = await queue(6);
    const tasksBefore = (await fixTasks()).length;
    const round = await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(0) });
    expect(round).toMatchObject({ retried: 6, failed: 0, sent: 0 });
    // The relay was asked no more than once a connection: the others were held back without trying.
    expect(r.log.filter((l) => l === "MAIL FROM 550").length).toBeLessThanOrEqual(t.email.lanes);
    for (const m of await rows(ids)) {
      expect(m).toMatchObject({ status: "queued", attempts: 0 });
      expect(m.lastError).toContain("adresse d'expédition relances@cadenas.test");
      expect(m.notBefore).toBe(at(10)().toISOString());
    }
    expect(await alerts()).toEqual([expect.objectContaining({ channel: "email", code: "email.sender_refused" })]);
    expect((await fixTasks()).length).toBe(tasksBefore);
    // The office sees it, with how many wait.
    const shown = await call(server.url, "GET", "/api/provider-alerts", { cookie: office });
    expect(shown.status).toBe(200);
    expect(shown.body.alerts).toEqual([expect.objectContaining({ channel: "email", code: "email.sender_refused", waiting: 6, since: at(0)().toISOString() })]);

    // The operator fixes the relay: ten minutes on, everything goes, once, and the alert is gone.
    r.behaviour.refuseSender = false;
    expect((await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(11) })).sent).toBe(6);
    expect(r.received.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(await alerts()).toEqual([]);
    expect((await call(server.url, "GET", "/api/provider-alerts", { cookie: office })).body.alerts).toEqual([]);
  });

  it("a relay refusing the credentials (535 at AUTH): a configuration alert, nothing failed", async () => {
    await clearAlerts();
    const r = await relay({ auth: { user: "cadenas", pass: "right" } });
    const ids = await queue(3);
    const round = await sendDueMessages(server.services.db, through(r.url), { id: "w", timeZone: "Europe/Paris", now: at(0) });
    expect(round).toMatchObject({ retried: 3, failed: 0 });
    expect(r.log).toContain("AUTH 535");
    expect(r.log.some((l) => l.startsWith("MAIL FROM"))).toBe(false);
    expect((await rows(ids)).map((m) => m.status)).toEqual(["queued", "queued", "queued"]);
    expect(await alerts()).toEqual([expect.objectContaining({ channel: "email", code: "email.auth_refused" })]);
    // With the right password the same relay takes them.
    const fixed = through(r.url.replace("wrong-password", "right"));
    expect((await sendDueMessages(server.services.db, fixed, { id: "w", timeZone: "Europe/Paris", now: at(11) })).sent).toBe(3);
    expect(await alerts()).toEqual([]);
  });

  it("a relay refusing to relay (554 5.7.1 at RCPT TO) is configuration, not three bad addresses", async () => {
    await clearAlerts();
    const r = await relay({ refuseRelay: true });
    const ids = await queue(3);
    const tasksBefore = (await fixTasks()).length;
    await sendDueMessages(server.services.db, through(r.url), { id: "w", timeZone: "Europe/Paris", now: at(0) });
    expect((await rows(ids)).map((m) => m.status)).toEqual(["queued", "queued", "queued"]);
    expect(await alerts()).toEqual([expect.objectContaining({ code: "email.relay_refused" })]);
    expect((await fixTasks()).length).toBe(tasksBefore);
    await clearAlerts();
  });
});

describe("faults", () => {
  it("greylisting (451 at RCPT TO, then accepted): tried again after a pause and received once", async () => {
    const r = await relay({ greylist: true });
    const t = through(r.url);
    const [id] = await queue(1);
    expect(await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(0) })).toMatchObject({ retried: 1, sent: 0 });
    const [waiting] = await rows([id!]);
    expect(waiting).toMatchObject({ status: "queued", attempts: 1, notBefore: at(1)().toISOString() });
    expect(waiting!.lastError).toContain("451");
    expect(await alerts()).toEqual([]);
    expect(await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(2) })).toMatchObject({ sent: 1 });
    expect(r.received).toEqual([id]);
    expect(r.log).toEqual(["MAIL FROM 250", "RCPT TO 451", "MAIL FROM 250", "RCPT TO 250", "DATA 250"]);
  });

  it("a relay that stalls before the message: the socket times out, the e-mail is tried again and received once", async () => {
    const r = await relay({ stallBeforeData: true });
    const t = through(r.url);
    const [id] = await queue(1);
    expect(await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(0) })).toMatchObject({ retried: 1, unknown: 0 });
    expect((await rows([id!]))[0]).toMatchObject({ status: "queued" });
    expect(r.received).toEqual([]);
    r.behaviour.stallBeforeData = false;
    expect(await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(2) })).toMatchObject({ sent: 1 });
    expect(r.received).toEqual([id]);
  });

  it("a relay that takes the message and never answers its end: in doubt, left to the office, never sent again", async () => {
    const r = await relay({ stallAfterData: true });
    const t = through(r.url);
    const [id] = await queue(1);
    expect(await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(0) })).toMatchObject({ unknown: 1, retried: 0 });
    const [m] = await rows([id!]);
    expect(m).toMatchObject({ status: "unknown", leaseOwner: null });
    expect(m!.lastError).toContain("Vérifiez avant de renvoyer");
    const tries = await server.services.db.select().from(messageAttempts).where(eq(messageAttempts.messageId, id!));
    expect(tries.map((x) => x.outcome)).toEqual(["in_doubt"]);
    // Hours later, the relay answering again: nothing goes by itself.
    r.behaviour.stallAfterData = false;
    await sendDueMessages(server.services.db, t, { id: "w2", timeZone: "Europe/Paris", now: at(180) });
    expect(r.received).toEqual([id]);
  });
});

describe("leases", () => {
  it("a worker whose lease lapsed and was taken over cannot overwrite the other's outcome, nor hand what it lost", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ids = await queue(5);
    // The relay keeps the first message's answer until told.
    const r = await relay({ beforeAnswer: (id) => (id === ids[0] ? held : undefined) });
    // Worker A, one lane: it hands the first message and waits on the relay with the four others claimed.
    const a = sendDueMessages(server.services.db, through(r.url, { smtpTimeouts: { ...QUICK, socket: 60_000 } }), { id: "A", timeZone: "Europe/Paris", now: at(0), concurrency: 1 });
    await expect.poll(() => r.received.length, { timeout: 10_000 }).toBe(1);
    expect((await rows(ids)).map((m) => m.leaseOwner)).toEqual(["A", "A", "A", "A", "A"]);
    // A's lease lapses (on the database's clock), and B comes by: the handed one is in doubt, the others go.
    await server.services.db.update(messages).set({ leaseUntil: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 second')` }).where(inArray(messages.id, ids));
    const b = await sendDueMessages(server.services.db, through(r.url), { id: "B", timeZone: "Europe/Paris", now: at(3) });
    expect(b).toMatchObject({ unknown: 1, retried: 4, sent: 4 });
    // The relay answers A at last: A's acceptance does not overwrite B's outcome, and A hands nothing else.
    release();
    const late = await a;
    expect(late).toMatchObject({ sent: 0, lapsed: 5 });
    const after = new Map((await rows(ids)).map((m) => [m.id, m]));
    expect(after.get(ids[0]!)).toMatchObject({ status: "unknown" });
    for (const id of ids.slice(1)) expect(after.get(id)).toMatchObject({ status: "sent" });
    const tries = await server.services.db.select().from(messageAttempts).where(eq(messageAttempts.messageId, ids[0]!));
    expect(tries.map((x) => `${x.worker} ${x.outcome}`)).toEqual(["B in_doubt"]);
    // Each message reached the relay once.
    expect([...r.received].sort()).toEqual([...ids].sort());
  });
});

describe("what leaves", () => {
  it("Message-ID on MAIL_FROM's domain, and a DKIM signature when DKIM_* is set", async () => {
    const r = await relay();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const t = through(r.url, { dkim: { domainName: "cadenas.test", keySelector: "relances2026", privateKey } });
    const [id] = await queue(1);
    expect((await sendDueMessages(server.services.db, t, { id: "w", timeZone: "Europe/Paris", now: at(0) })).sent).toBe(1);
    const head = r.heads.get(id!)!;
    expect(head).toMatch(new RegExp(`^Message-ID: <${id}@cadenas\\.test>`, "mi"));
    expect(head).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=cadenas\.test;[\s\S]*s=relances2026;/m);
  });

  it("no SMTP relay without MAIL_FROM", () => {
    expect(() => createEmailSender({ dataDir: server.dir, smtpUrl: "smtp://127.0.0.1:2525" })).toThrow(/MAIL_FROM/);
  });
});
