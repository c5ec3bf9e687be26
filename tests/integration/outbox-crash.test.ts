import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { customers } from "../../server/customers/customers.sql";
import { messageAttempts, messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { createEmailSender, createSmsSender } from "../../server/messaging/transports";
import { sendDueMessages, type Transports } from "../../server/messaging/worker";
import { BREVO_TEST_KEY, startFakeBrevo, type FakeBrevo } from "../support/brevo";
import { startSmtpSink, type SmtpSink } from "../support/providers";
import { startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The worker killed (SIGKILL) after the provider took the message and before the database recorded it, then
// started again: the provider has the message once. The worker is a real process (`npm run outbox`'s script);
// the providers kill it the moment they accept, before answering.

let server: TestServer;
let smtp: SmtpSink;
let brevo: FakeBrevo;
let worker: ChildProcess | null = null;
let transports: Transports;
/** Monday 23 November 2026, 10:00 in Paris: a time an SMS may go. */
const NOW = "2026-11-23T09:00:00.000Z";
const killWorker = () => worker?.kill("SIGKILL");

beforeAll(async () => {
  [server, smtp, brevo] = await Promise.all([startTestServer(), startSmtpSink({ onMessage: killWorker }), startFakeBrevo({ onSend: killWorker })]);
  transports = {
    email: createEmailSender({ dataDir: server.dir, smtpUrl: smtp.url, mailFrom: "relances@cadenas.test" }),
    sms: createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: BREVO_TEST_KEY }),
  };
  // Brevo's clock goes with the worker's.
  brevo.setNow(new Date(NOW));
});
afterAll(async () => {
  transports.email.close();
  await Promise.all([server.close(), smtp.close(), brevo.close()]);
});

/** Runs `npm run outbox`'s script as its own process, against the test database and providers, until it ends. */
function runWorkerProcess(): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    let output = "";
    worker = spawn(process.execPath, ["--import", "tsx", join("server", "cli", "outbox.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: `file:${join(server.dir, "cadenas.db")}`,
        DATA_DIR: server.dir,
        SMTP_URL: smtp.url,
        MAIL_FROM: "relances@cadenas.test",
        SMS_PROVIDER: "brevo",
        SMS_URL: brevo.url,
        SMS_TOKEN: BREVO_TEST_KEY,
        NOW,
        OUTBOX_WORKER_ID: "doomed",
        DEMO_DATA: "off",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    worker.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    worker.on("exit", (code, signal) => resolve({ code, signal, output }));
  });
}

async function queueOne(channel: "email" | "sms", key: string): Promise<string> {
  const db = server.services.db;
  const [c] = await db.select({ id: customers.id }).from(customers).where(eq(customers.ref, "CL1003"));
  await queueMessages(db, [{ customerId: c!.id, caseId: null, plannedActionId: "x", key, step: "reminder", template: channel === "sms" ? "box-reminder-sms" : "box-reminder-email", channel, purpose: "floor" }], TEST_TODAY);
  const [m] = await db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${c!.id}|${key}`));
  return m!.id;
}

const later = (minutes: number) => () => new Date(Date.parse(NOW) + minutes * 60_000);
/** The dead worker's lease runs out: leases follow the database's clock, not the workers' pinned one. */
const lapse = (id: string) => server.services.db.update(messages).set({ leaseUntil: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 second')` }).where(eq(messages.id, id));

it("an SMS: found at the provider by its tag after the restart, marked sent, not sent again", async () => {
  const db = server.services.db;
  const id = await queueOne("sms", "crash|sms");
  const run = await runWorkerProcess();
  expect(run.signal, run.output).toBe("SIGKILL");
  expect(brevo.sent).toHaveLength(1);
  const [left] = await db.select().from(messages).where(eq(messages.id, id));
  expect(left).toMatchObject({ status: "sending", leaseOwner: "doomed", providerId: null });

  // Restarted: while the lease holds, the message is left alone; once it has run out, it is settled.
  expect((await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(1) })).reconciled).toBe(0);
  // Five minutes on, Brevo lists the SMS's `sent` and `accepted` events: its own, by tag and number.
  brevo.setNow(later(5)());
  await lapse(id);
  const settled = await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(5) });
  expect(settled.reconciled).toBe(1);
  expect(brevo.sent).toHaveLength(1);
  const [after] = await db.select().from(messages).where(eq(messages.id, id));
  expect(after).toMatchObject({ status: "sent", providerId: String(brevo.sent[0]!.messageId) });
  const tries = await db.select().from(messageAttempts).where(eq(messageAttempts.messageId, id));
  expect(tries.map((t) => t.outcome)).toEqual(["reconciled"]);
  await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(10) });
  expect(brevo.sent).toHaveLength(1);
});

it("an SMS the provider never got before the crash is sent after the restart, once", async () => {
  const db = server.services.db;
  const id = await queueOne("sms", "crash|sms-lost");
  // The worker took it and died before calling the provider: as if killed between the claim and the request.
  await db.update(messages).set({ status: "sending", leaseOwner: "doomed", attempts: 1 }).where(eq(messages.id, id));
  await lapse(id);
  const before = brevo.sent.length;
  const r = await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(5) });
  expect(r).toMatchObject({ retried: 1, sent: 1 });
  expect(brevo.sent.length).toBe(before + 1);
  expect((await db.select().from(messages).where(eq(messages.id, id)))[0]!.status).toBe("sent");
});

it("an e-mail: the SMTP server cannot be asked, so it is marked to check, never sent again by itself", async () => {
  const db = server.services.db;
  const id = await queueOne("email", "crash|email");
  const run = await runWorkerProcess();
  expect(run.signal, run.output).toBe("SIGKILL");
  expect(smtp.received).toHaveLength(1);
  expect((await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(5) })).unknown).toBe(0);
  await lapse(id);
  const settled = await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(5) });
  expect(settled.unknown).toBe(1);
  const [after] = await db.select().from(messages).where(eq(messages.id, id));
  expect(after).toMatchObject({ status: "unknown" });
  expect(after!.lastError).toContain("Vérifiez avant de renvoyer");
  await sendDueMessages(db, transports, { id: "again", timeZone: "Europe/Paris", now: later(30) });
  expect(smtp.received).toHaveLength(1);
});
