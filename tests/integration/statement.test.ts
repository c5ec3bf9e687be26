import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { createEmailSender, createSmsSender } from "../../server/messaging/transports";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { addDays, formatDateFr } from "../../shared/dates";
import { formatEurosPlain } from "../../shared/money";
import { startRelay, type Relay } from "../support/smtp-relays";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The statement of account (relevé de compte): a PDF read back with poppler's pdftotext — the balance at a date as the
// ledger says it, computed here from the rows —, scoped like the debtor page, its download audited; and an e-mail with
// the statement attached, queued once however many clicks, the PDF made when the outbox sends it.

let server: TestServer;
let office: string;
let floor: string;
let floorOther: string;
let customer: { id: string; ref: string; name: string; email: string };

beforeAll(async () => {
  server = await startTestServer();
  [office, floor, floorOther] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "gestionnaire2@demo.test")]);
  // A LYO debtor with an open case, an e-mail address, and payments on record.
  const [row] = await server.services.db.all<{ id: string; ref: string; name: string; email: string }>(sql`
    select c.id, c.ref, c.name, c.email from customers c join cases k on k.customer_id = c.id and k.status = 'open'
     where c.email is not null
       and exists (select 1 from payments p where p.customer_id = c.id and p.status = 'ok')
       and c.id in (select ct.customer_id from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id where s.code = 'LYO')
       and c.id not in (select ct.customer_id from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id where s.code = 'VIL')
     order by c.ref limit 1`);
  customer = row!;
}, 60_000);
afterAll(() => server.close());

const download = async (path: string, cookie: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};
const pdfText = (pdf: Uint8Array) => {
  const file = join(server.dir, `releve-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/[ \t]+/g, " ");
};

/** The balance at `at`, from the rows: invoices fallen due by then, less the payments received by then. */
async function balanceAt(customerId: string, at: string): Promise<number> {
  const [r] = await server.services.db.all<{ owed: number }>(sql`
    select coalesce((select sum(amount_cents) from invoices where customer_id = ${customerId} and due_date <= ${at}), 0)
         - coalesce((select sum(amount_cents) from payments where customer_id = ${customerId} and status = 'ok' and date <= ${at}), 0) as owed`);
  return Number(r!.owed);
}

const owedLine = (cents: number, at: string) =>
  cents > 0 ? `Solde dû au ${formatDateFr(at)} : ${formatEurosPlain(cents)}` : cents < 0 ? `Solde créditeur au ${formatDateFr(at)} : ${formatEurosPlain(-cents)}` : `Compte soldé au ${formatDateFr(at)}`;

describe("the statement of account as a PDF", () => {
  it("prints the customer, each invoice and payment, and the balance at today by default", async () => {
    const res = await download(`/api/customers/${customer.id}/statement.pdf`, office);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="releve-${customer.ref}-${TEST_TODAY}.pdf"`);
    const text = pdfText(res.bytes);
    expect(text).toContain(`Relevé de compte au ${formatDateFr(TEST_TODAY)}`);
    expect(text).toContain(customer.name);
    expect(text).toContain(`Client ${customer.ref}`);
    expect(text.replace(/\s+/g, " ")).toContain("Lyon Gerland");
    const owed = await balanceAt(customer.id, TEST_TODAY);
    expect(owed).toBeGreaterThan(0);
    expect(text).toContain(owedLine(owed, TEST_TODAY));
    // Every invoice fallen due and every payment received by the date has its line.
    const refs = await server.services.db.all<{ ref: string }>(sql`
      select ref from invoices where customer_id = ${customer.id} and due_date <= ${TEST_TODAY}
      union all select ref from payments where customer_id = ${customer.id} and status = 'ok' and date <= ${TEST_TODAY}`);
    expect(refs.length).toBeGreaterThan(1);
    for (const { ref } of refs) expect(text).toContain(ref);
    expect(text).toContain("Paiement par");
  });

  it("gives the balance at an earlier date from what had fallen due and was paid by then", async () => {
    // The day before their last invoice fell due: it is not owed yet.
    const [last] = await server.services.db.all<{ date: string }>(sql`select max(due_date) as date from invoices where customer_id = ${customer.id} and due_date <= ${TEST_TODAY}`);
    const at = addDays(last!.date, -1);
    const res = await download(`/api/customers/${customer.id}/statement.pdf?at=${at}`, office);
    expect(res.status).toBe(200);
    const text = pdfText(res.bytes);
    expect(text).toContain(`Relevé de compte au ${formatDateFr(at)}`);
    expect(text).toContain(owedLine(await balanceAt(customer.id, at), at));
    expect(await balanceAt(customer.id, at)).not.toBe(await balanceAt(customer.id, TEST_TODAY));
  });

  it("is the site manager's of the customer's site, not the other site's, and its download is audited", async () => {
    expect((await download(`/api/customers/${customer.id}/statement.pdf`, floor)).status).toBe(200);
    const elsewhere = await call(server.url, "GET", `/api/customers/${customer.id}/statement.pdf`, { cookie: floorOther });
    expect(elsewhere.status).toBe(404);
    const lines = await server.services.db.select().from(auditLog).where(eq(auditLog.event, "export.downloaded"));
    expect(lines.some((l) => (l.details as { file?: string }).file === `releve-${customer.ref}-${TEST_TODAY}.pdf`)).toBe(true);
  });

  it("refuses a date that is not one", async () => {
    expect((await call(server.url, "GET", `/api/customers/${customer.id}/statement.pdf?at=2026-13-40`, { cookie: office })).status).toBe(400);
  });
});

describe("the statement by e-mail", () => {
  it("is queued once per customer and date, with the statement to attach, and refused to the floor", async () => {
    const first = await call(server.url, "POST", `/api/customers/${customer.id}/statement/email`, { cookie: office, body: {} });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body).toMatchObject({ at: TEST_TODAY, recipient: customer.email, status: "queued", alreadyQueued: false });
    const again = await call(server.url, "POST", `/api/customers/${customer.id}/statement/email`, { cookie: office, body: { at: TEST_TODAY } });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ messageId: first.body.messageId, alreadyQueued: true });
    const rows = await server.services.db.select().from(messages).where(eq(messages.idempotencyKey, `statement:${customer.id}|${TEST_TODAY}`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: "email", purpose: "floor", status: "queued", attachments: [{ kind: "statement", at: TEST_TODAY }] });
    expect(rows[0]!.subject).toBe(`Votre relevé de compte au ${formatDateFr(TEST_TODAY)}`);
    expect((await call(server.url, "POST", `/api/customers/${customer.id}/statement/email`, { cookie: floor, body: {} })).status).toBe(403);
    expect((await call(server.url, "POST", `/api/customers/${customer.id}/statement/email`, { cookie: office, body: { at: addDays(TEST_TODAY, 1) } })).status).toBe(400);
  });

  it("is refused for a customer without an e-mail address", async () => {
    const [none] = await server.services.db.all<{ id: string }>(sql`
      select c.id from customers c where c.email is null and exists (select 1 from contracts ct where ct.customer_id = c.id) limit 1`);
    const res = await call(server.url, "POST", `/api/customers/${none!.id}/statement/email`, { cookie: office, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("Pas d'adresse e-mail");
  });

  it("goes with the statement's PDF attached, made when it goes", async () => {
    const [m] = await server.services.db.select().from(messages).where(eq(messages.idempotencyKey, `statement:${customer.id}|${TEST_TODAY}`));
    // Only this message is due: the others wait.
    await server.services.db.run(sql`update messages set not_before = '2999-01-01T00:00:00.000Z' where status = 'queued' and id <> ${m!.id}`);
    const round = await sendDueMessages(server.services.db, transportsFor(server.services.config), { id: "statement-worker", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
    expect(round.written).toBe(1);
    const [after] = await server.services.db.select().from(messages).where(eq(messages.id, m!.id));
    expect(after!.status).toBe("written");
    const eml = readFileSync(join(server.dir, "outbox", `${m!.id}.eml`), "utf8");
    const part = new RegExp(`filename=(?:"|)releve-${customer.ref}-${TEST_TODAY}\\.pdf(?:"|)[\\s\\S]*?\\n\\n([A-Za-z0-9+/=\\n]+)`).exec(eml);
    expect(part, "the attachment in the e-mail").not.toBeNull();
    const pdf = new Uint8Array(Buffer.from(part![1]!.replace(/\n/g, ""), "base64"));
    expect(pdfText(pdf)).toContain(owedLine(await balanceAt(customer.id, TEST_TODAY), TEST_TODAY));
  });
});

describe("the statement through an SMTP relay", () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it("reaches the relay as a message with an attachment", async () => {
    const [other] = await server.services.db.all<{ id: string }>(sql`
      select c.id from customers c join cases k on k.customer_id = c.id and k.status = 'open' where c.email is not null and c.id <> ${customer.id} order by c.ref limit 1`);
    const queued = await call(server.url, "POST", `/api/customers/${other!.id}/statement/email`, { cookie: office, body: {} });
    expect(queued.status).toBe(202);
    const t = { dataDir: server.dir, smtpUrl: relay.url, mailFrom: "relances@cadenas.test" };
    const round = await sendDueMessages(server.services.db, { email: createEmailSender(t), sms: createSmsSender({ dataDir: server.dir }) }, { id: "statement-smtp", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
    expect(round.sent).toBe(1);
    expect(relay.received).toContain(queued.body.messageId);
    expect(relay.heads.get(queued.body.messageId)).toMatch(/multipart\/mixed/i);
  });
});
