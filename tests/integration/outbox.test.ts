import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../../server/cases/cases.sql";
import { actions } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { runEngineDay } from "../../server/engine/run";
import { messageAttempts, messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { createEmailSender, createSmsSender } from "../../server/messaging/transports";
import { recordSmsDeliveries, sendDueMessages, type Transports } from "../../server/messaging/worker";
import { BREVO_TEST_KEY, startFakeBrevo, type FakeBrevo } from "../support/brevo";
import { startSmtpSink, type SmtpSink } from "../support/providers";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer, importThroughRoute } from "../support/server";
import { addDays, formatDateFr, zonedInstant } from "../../shared/dates";

// The outbox against a real SMTP server and an HTTP server speaking Brevo's SMS API: what the engine queues goes
// out once, with its attachment; nothing goes after a payment, nor at night; failures are told apart.

let server: TestServer;
let smtp: SmtpSink;
let brevo: FakeBrevo;
let transports: Transports;
let office: string;
const PARIS = "Europe/Paris";
/** The Monday after TEST_TODAY (a Sunday), 10:00 in Paris. */
const MONDAY_10H = new Date(zonedInstant(addDays(TEST_TODAY, 1), "10:00", PARIS));
/** The invoices' days: issued 23 days before TEST_TODAY, due 16 days before (French format, as the file has them). */
const ISSUED = formatDateFr(addDays(TEST_TODAY, -23));
const DUE = addDays(TEST_TODAY, -16);

beforeAll(async () => {
  [server, smtp, brevo] = await Promise.all([
    startTestServer(),
    startSmtpSink({ refuse: (a) => (a.startsWith("bounce@") ? 550 : a.startsWith("later@") ? 451 : undefined) }),
    startFakeBrevo(),
  ]);
  // Brevo's clock goes with the worker's: its events come seconds to minutes after each SMS.
  brevo.setNow(MONDAY_10H);
  transports = {
    email: createEmailSender({ dataDir: server.dir, smtpUrl: smtp.url, mailFrom: "relances@cadenas.test" }),
    sms: createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: BREVO_TEST_KEY, smsSender: "LyonGerland" }),
  };
  office = await signIn(server.url, "bureau@demo.test");
  await csv(
    "customers",
    `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop
OBX1;person;Odile Box;odile@x.test;06 11 22 33 44;1 rue A;69007;Lyon;transfer;;0
OBX2;person;Paul Paye;paul@x.test;06 11 22 33 45;2 rue B;69007;Lyon;transfer;;0
OBX3;person;Bea Bounce;bounce@x.test;01 23 45 67 89;3 rue C;69007;Lyon;transfer;;0
OBX4;person;Lea Later;later@x.test;06 11 22 33 46;4 rue D;69007;Lyon;transfer;;0
`,
  );
  await csv(
    "contracts",
    `contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date
COBX1;OBX1;LYO;Y901;80,00;06/01/2026;
COBX2;OBX2;LYO;Y902;80,00;06/01/2026;
COBX3;OBX3;LYO;Y903;80,00;06/01/2026;
COBX4;OBX4;LYO;Y904;80,00;06/01/2026;
`,
  );
  await csv(
    "invoices",
    `invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount
FOBX1;OBX1;COBX1;${ISSUED};${formatDateFr(DUE)};80,00
FOBX2;OBX2;COBX2;${ISSUED};${formatDateFr(DUE)};80,00
FOBX3;OBX3;COBX3;${ISSUED};${formatDateFr(DUE)};80,00
FOBX4;OBX4;COBX4;${ISSUED};${formatDateFr(DUE)};80,00
`,
  );
  // Due 16 days before TEST_TODAY: first contact, the reminder (SMS + e-mail), R1 by e-mail, the lockout.
  await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
});
afterAll(async () => {
  transports.email.close();
  await Promise.all([server.close(), smtp.close(), brevo.close()]);
});

const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
const idOf = async (ref: string) => (await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, ref)))[0]!.id;
const messagesOf = async (ref: string) => server.services.db.select().from(messages).where(eq(messages.customerId, await idOf(ref)));
const send = (now: Date, id = "w1") => sendDueMessages(server.services.db, transports, { id, timeZone: "Europe/Paris", now: () => now });

describe("what the engine queues", () => {
  it("is in the outbox in the step's transaction, its text filled for the customer", async () => {
    const queued = await messagesOf("OBX1");
    expect(queued.map((m) => `${m.stepCode} ${m.channel}`).sort()).toEqual(["R1 email", "reminder email", "reminder sms"]);
    const r1 = queued.find((m) => m.stepCode === "R1")!;
    expect(r1).toMatchObject({ status: "queued", purpose: "reminder", recipient: "odile@x.test", subject: "Relance : loyer impayé de votre box Y901" });
    expect(r1.body).toContain(`Facture FOBX1 échue le ${formatDateFr(DUE)} : 80,00 €`);
    expect(r1.letter?.invoices).toEqual([{ ref: "FOBX1", description: "Loyer", dueDate: DUE, remainingCents: 8000 }]);
  });

  it("a payment imported while messages wait: none of them goes", async () => {
    await csv("payments", `payment_ref;customer_ref;invoice_ref;date;amount;method;status\nPOBX2;OBX2;FOBX2;${formatDateFr(TEST_TODAY)};80,00;transfer;ok\n`);
    await send(MONDAY_10H);
    const mine = await messagesOf("OBX2");
    expect(mine.length).toBe(3);
    for (const m of mine) expect(m).toMatchObject({ status: "cancelled", lastError: "Plus rien n'est dû" });
    expect(smtp.received.filter((mail) => mail.to && JSON.stringify(mail.to).includes("paul@x.test"))).toEqual([]);
    expect(brevo.sent.filter((s) => s.recipient === "33611223345")).toEqual([]);
  });
});

describe("sending", () => {
  it("e-mails over SMTP with text, HTML and the letter as a PDF; the SMS through Brevo, E.164; each once", async () => {
    const r1 = smtp.received.find((mail) => mail.subject === "Relance : loyer impayé de votre box Y901")!;
    expect(r1).toBeDefined();
    expect(r1.from?.text).toBe('"Cadenas Self-Stockage Lyon Gerland" <relances@cadenas.test>');
    expect(r1.text).toContain("Bonjour Odile Box");
    expect(r1.html).toContain("<p style=");
    expect(r1.attachments).toHaveLength(1);
    expect(r1.attachments[0]!.contentType).toBe("application/pdf");
    expect(r1.attachments[0]!.filename).toBe("relance-loyer-impaye.pdf");
    expect(r1.attachments[0]!.content.subarray(0, 5).toString()).toBe("%PDF-");
    const sms = brevo.sent.filter((s) => s.recipient === "33611223344");
    expect(sms).toHaveLength(1);
    const [queued] = (await messagesOf("OBX1")).filter((m) => m.channel === "sms");
    expect(sms[0]).toMatchObject({ sender: "LyonGerland", type: "transactional", tag: `cadenas-${queued!.id}`, unicodeEnabled: false });
    expect(sms[0]!.content).toContain("votre loyer du box");
    expect(sms[0]!.content).not.toContain("€");
    for (const m of await messagesOf("OBX1")) expect(m.status).toBe("sent");
    // The floor's history says what went.
    const history = await server.services.db.select().from(actions).where(and(eq(actions.customerId, await idOf("OBX1")), inArray(actions.kind, ["email", "sms"])));
    expect(history.map((h) => h.text).sort()).toContain("Courriel envoyé : « Relance : loyer impayé de votre box Y901 » à odile@x.test");
    // A second round sends nothing again.
    const before = smtp.received.length;
    expect((await send(MONDAY_10H)).sent).toBe(0);
    expect(smtp.received.length).toBe(before);
  });

  it("a refused address or a landline fails for good and asks the floor to fix the contact", async () => {
    const mine = await messagesOf("OBX3");
    expect(mine.find((m) => m.channel === "email" && m.stepCode === "R1")).toMatchObject({ status: "failed" });
    expect(mine.find((m) => m.channel === "email")!.lastError).toContain("550");
    expect(mine.find((m) => m.channel === "sms")).toMatchObject({ status: "failed", lastError: "Pas un numéro de mobile : 01 23 45 67 89" });
    const fix = await server.services.db.select().from(tasks).where(and(eq(tasks.customerId, await idOf("OBX3")), eq(tasks.kind, "fix_contact")));
    expect(fix).toHaveLength(1);
  });

  it("a server saying 'later' is tried again after a pause, every attempt kept", async () => {
    const [m] = (await messagesOf("OBX4")).filter((x) => x.channel === "email" && x.stepCode === "R1");
    expect(m).toMatchObject({ status: "queued", attempts: 1 });
    expect(m!.notBefore! > MONDAY_10H.toISOString()).toBe(true);
    expect(m!.lastError).toContain("451");
    const tries = await server.services.db.select().from(messageAttempts).where(eq(messageAttempts.messageId, m!.id));
    expect(tries.map((t) => t.outcome)).toEqual(["retry"]);
    expect(tries[0]!.detail).toContain("nouvel essai dans 1 min");
  });

  it("records the provider's delivery reports; a bounced number asks to fix it", async () => {
    brevo.advance(120);
    expect((await recordSmsDeliveries(server.services.db, transports.sms, "Europe/Paris", brevo.now())).recorded).toBeGreaterThan(0);
    const [sms] = (await messagesOf("OBX1")).filter((m) => m.channel === "sms");
    expect(sms!.deliveryStatus).toBe("delivered");
  });
});

describe("hours and concurrency", () => {
  it("an SMS waits for Monday 8:00 when asked for on a Sunday; an e-mail does not", async () => {
    const db = server.services.db;
    const id = await idOf("OBX1");
    await queueMessages(
      db,
      [
        { customerId: id, caseId: null, plannedActionId: "x", key: "test|sunday-sms", step: "reminder", template: "box-reminder-sms", channel: "sms", purpose: "floor" },
        { customerId: id, caseId: null, plannedActionId: "x", key: "test|sunday-mail", step: "reminder", template: "box-reminder-email", channel: "email", purpose: "floor" },
      ],
      TEST_TODAY,
    );
    const sunday = new Date(zonedInstant(addDays(TEST_TODAY, 7), "11:00", PARIS));
    const nextMonday8h = new Date(zonedInstant(addDays(TEST_TODAY, 8), "08:00", PARIS));
    const r = await send(sunday);
    expect(r).toMatchObject({ postponed: 1, sent: 1 });
    const [sms] = (await messagesOf("OBX1")).filter((m) => m.idempotencyKey.endsWith("test|sunday-sms"));
    expect(sms).toMatchObject({ status: "queued", notBefore: nextMonday8h.toISOString(), attempts: 0 });
    expect((await send(new Date(nextMonday8h.getTime() - 60_000))).sent).toBe(0);
    expect((await send(nextMonday8h)).sent).toBe(1);
  });

  it("two workers at once never send the same message", async () => {
    const db = server.services.db;
    const id = await idOf("OBX1");
    await queueMessages(
      db,
      Array.from({ length: 40 }, (_, n) => ({ customerId: id, caseId: null, plannedActionId: "x", key: `test|both-${n}`, step: "reminder", template: "box-reminder-email", channel: "email" as const, purpose: "floor" as const })),
      TEST_TODAY,
    );
    const before = smtp.received.length;
    const both = await Promise.all([
      sendDueMessages(db, transports, { id: "a", timeZone: "Europe/Paris", now: () => MONDAY_10H, batch: 5, concurrency: 3 }),
      sendDueMessages(db, transports, { id: "b", timeZone: "Europe/Paris", now: () => MONDAY_10H, batch: 5, concurrency: 3 }),
    ]);
    expect(both[0].sent + both[1].sent).toBe(40);
    expect(both[0].sent).toBeGreaterThan(0);
    expect(both[1].sent).toBeGreaterThan(0);
    const ids = smtp.received.slice(before).map((m) => m.messageId);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });
});

describe("the office's view", () => {
  it("lists messages with their errors, shows each attempt, sends a failed one again; not for the floor", async () => {
    const floor = await signIn(server.url, "gestionnaire@demo.test");
    expect((await call(server.url, "GET", "/api/messages", { cookie: floor })).status).toBe(403);
    const failed = await call(server.url, "GET", "/api/messages?status=failed", { cookie: office });
    expect(failed.status).toBe(200);
    const bounce = failed.body.items.find((m: { customerRef: string; channel: string }) => m.customerRef === "OBX3" && m.channel === "email");
    expect(bounce.lastError).toContain("550");
    expect(failed.body.counts.sent).toBeGreaterThan(0);
    const detail = await call(server.url, "GET", `/api/messages/${bounce.id}`, { cookie: office });
    expect(detail.body.body).toContain("Bonjour Bea Bounce");
    expect(detail.body.tries.map((t: { outcome: string }) => t.outcome)).toEqual(["failed"]);
    const again = await call(server.url, "POST", `/api/messages/${bounce.id}/retry`, { cookie: office });
    expect(again.body).toMatchObject({ status: "queued", lastError: null });
    expect((await call(server.url, "POST", `/api/messages/${bounce.id}/retry`, { cookie: office })).status).toBe(409);
  });

  it("without SMTP_URL, e-mails are .eml files the office reads in the app, recorded as written, not sent", async () => {
    const files = { email: createEmailSender({ dataDir: server.dir }), sms: createSmsSender({ dataDir: server.dir }) };
    const id = await idOf("OBX1");
    await queueMessages(server.services.db, [{ customerId: id, caseId: null, plannedActionId: "x", key: "test|file", step: "R1", template: "box-R1", channel: "email", purpose: "floor" }], TEST_TODAY);
    await sendDueMessages(server.services.db, files, { id: "files", timeZone: "Europe/Paris", now: () => MONDAY_10H });
    const [m] = (await messagesOf("OBX1")).filter((x) => x.idempotencyKey.endsWith("test|file"));
    expect(m).toMatchObject({ status: "written", providerId: `file:${m!.id}.eml` });
    const raw = await fetch(`${server.url}/api/messages/${m!.id}/raw`, { headers: { cookie: office } });
    expect(raw.headers.get("content-type")).toBe("message/rfc822");
    const eml = await raw.text();
    expect(eml).toContain("Subject: =?UTF-8?");
    expect(eml).toContain("Content-Type: application/pdf");
  });
});
