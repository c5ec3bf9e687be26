import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonths, dateOfInstant } from "../../shared/dates";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { auditLog } from "../../server/audit/audit.sql";
import { invoices, payments } from "../../server/billing/billing.sql";
import { actions } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import type { Clock } from "../../server/context";
import { photos } from "../../server/evidence/evidence.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// Retention, as the CNIL's life cycle asks: a customer whose debt is settled and whose contracts ended is kept for
// the retention period (3 years by default, a setting), then the daily run pseudonymises them — name, contact, free
// texts, photos — keeping the accounting lines; a legal hold keeps everything. The evidence chains get an erasure
// record and tombstones that keep each record's hash: they still verify, and any other change is still named. The
// clock is the server's, moved forward by the test.

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "photos");
const door = readFileSync(join(FIXTURES, "door.jpg"));
const padlock = readFileSync(join(FIXTURES, "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ZONE = "Europe/Paris";

let at = TEST_NOW.getTime();
const clock: Clock = { now: () => new Date(at), today: () => dateOfInstant(new Date(at), ZONE), todayIn: (zone) => dateOfInstant(new Date(at), zone) };
/** Moves the server's clock to 10:00 (Paris) on `day`. */
const moveTo = (day: string) => {
  at = Date.parse(`${day}T09:00:00Z`);
};

let server: TestServer;
let vt: string;
let office: string;
const clientId = uuidv7();
let cursor: string;
let seq = 0;
/** A: settled and ended today, with evidence photos, a note and messages. B: the same, on legal hold. F: contract ending in a year. */
let a: DebtorDoc;
let b: DebtorDoc;
let f: DebtorDoc;
/** C: settles late, then asks for erasure. D: owes, asks for erasure. */
let c: DebtorDoc;
let d: DebtorDoc;
const threeYears = addMonths(TEST_TODAY, 36);

const db = () => server.services.db;
const push = (cookie: string, kind: string, payload: unknown) =>
  call(server.url, "POST", "/api/sync/push", { cookie, body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: clock.now().toISOString() }] } });
const upload = (b: Buffer, cookie: string) => fetch(`${server.url}/api/blobs/${sha(b)}`, { method: "PUT", headers: { cookie }, body: b as unknown as BodyInit });
const blobFile = (h: string) => join(server.dir, "blobs", h.slice(0, 2), h.slice(2, 4), h);
const customer = async (id: string) => (await db().select().from(customers).where(eq(customers.id, id)))[0]!;
/** Waits for a look of the daily run that began after the clock moved: the day's run is done, and returned. */
const runRetention = async () => {
  await server.retention.nextLook();
  const run = server.retention.lastRun();
  expect(run?.day).toBe(clock.today());
  return run!;
};
/** The accounting lines of a customer: what the Code de commerce requires kept. */
const accounting = async (id: string) => ({
  ref: (await customer(id)).ref,
  invoices: await db().select({ ref: invoices.ref, kind: invoices.kind, issued: invoices.issueDate, due: invoices.dueDate, amount: invoices.amountCents }).from(invoices).where(eq(invoices.customerId, id)).orderBy(invoices.ref),
  payments: await db().select({ ref: payments.ref, date: payments.date, amount: payments.amountCents, method: payments.method, status: payments.status }).from(payments).where(eq(payments.customerId, id)).orderBy(payments.ref),
});
let accountingBefore: Awaited<ReturnType<typeof accounting>>;
/** Every debt paid on `on`, every contract ended on `end`, the case closed and the floor's tasks done. */
async function settle(id: string, on: string, end = on) {
  const [row] = await db().all<{ owed: number }>(sql`select coalesce((select sum(amount_cents) from invoices where customer_id = ${id}), 0)
    - coalesce((select sum(amount_cents) from payments where customer_id = ${id} and status = 'ok'), 0) as owed`);
  if (Number(row!.owed) > 0) await db().insert(payments).values({ id: uuidv7(), ref: `RET-${id.slice(-8)}`, customerId: id, date: on, amountCents: Number(row!.owed), method: "transfer", status: "ok" });
  await db().run(sql`update contracts set end_date = ${end} where customer_id = ${id}`);
  await db().run(sql`update cases set status = 'paid', closed_on = ${on} where customer_id = ${id} and status = 'open'`);
  await db().run(sql`update tasks set status = 'done' where customer_id = ${id} and status = 'open'`);
}

beforeAll(async () => {
  server = await startTestServer({ start: { clock, retentionEveryMs: 50 } });
  [vt, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  const pulled = await call<{ docs: DebtorDoc[]; cursor: string }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } });
  cursor = pulled.body.cursor;
  const open = pulled.body.docs.filter((x) => x.case?.status === "open" && x.balanceCents > 0);
  a = open.find((x) => x.units.some((u) => u.padlock === "none"))!;
  [b, c, d, f] = open.filter((x) => x.customerId !== a.customerId) as [DebtorDoc, DebtorDoc, DebtorDoc, DebtorDoc];
  // A's evidence: a padlock placed with two photos, and a note naming a person.
  const unitId = a.units.find((u) => u.padlock === "none")!.id;
  expect((await push(vt, "padlock.placed", { unitId, padlockNumber: "4411", photos: [sha(door), sha(padlock)] })).body.results[0].status).toBe("applied");
  expect((await push(vt, "note.added", { customerId: a.customerId, text: "Sa sœur Martine répond au 06 11 22 33 44" })).body.results[0].status).toBe("applied");
  await upload(door, vt);
  await upload(padlock, vt);
  await db().insert(messages).values({ id: uuidv7(), caseId: a.case!.id, customerId: a.customerId, channel: "email", purpose: "reminder", recipient: "a.personne@example.fr", subject: "Votre loyer", body: "Bonjour Madame, …", status: "sent", idempotencyKey: uuidv7() });
  for (const x of [a, b]) await settle(x.customerId, TEST_TODAY);
  await settle(f.customerId, TEST_TODAY, addDays(TEST_TODAY, 366));
  accountingBefore = await accounting(a.customerId);
  const held = await call(server.url, "PUT", `/api/customers/${b.customerId}/legal-hold`, { cookie: office, body: { held: true, reason: "Contestation devant le tribunal judiciaire" } });
  expect(held.status).toBe(200);
});
afterAll(() => server.close());

describe("a settled customer whose contracts ended is kept for 3 years, then pseudonymised by the daily run", () => {
  it("is kept in the intermediate archive today, until the day three years on", async () => {
    await runRetention();
    expect((await customer(a.customerId)).name).toBe(a.name);
    const status = await call(server.url, "GET", `/api/customers/${a.customerId}/privacy`, { cookie: office });
    expect(status.body).toMatchObject({ state: "archived", endedOn: TEST_TODAY, dueOn: threeYears, retentionYears: 3, legalHold: null });
  });

  it("is still kept the day before the three years are over", async () => {
    moveTo(addDays(threeYears, -1));
    await runRetention();
    expect((await customer(a.customerId)).pseudonymisedAt).toBeNull();
  });

  it("is pseudonymised on the day: name replaced, contact and address gone, free texts erased", async () => {
    moveTo(threeYears);
    const run = await runRetention();
    expect(run.pseudonymised).toBeGreaterThanOrEqual(1);
    const after = await customer(a.customerId);
    expect(after).toMatchObject({ ref: a.ref, name: "Client effacé", email: null, phone: null, address: null, postalCode: null, city: null, stop: true });
    expect(after.pseudonymisedAt).toBe(clock.now().toISOString());
    const lines = await db().select({ text: actions.text, data: actions.data }).from(actions).where(eq(actions.customerId, a.customerId));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.text === "[effacé]" && l.data === null)).toBe(true);
    const sent = await db().select().from(messages).where(eq(messages.customerId, a.customerId));
    expect(sent.every((m) => m.recipient === "[effacé]" && m.body === "[effacé]" && m.subject === null && m.letter === null)).toBe(true);
    const [audit] = await db().select().from(auditLog).where(eq(auditLog.event, "retention.run"));
    expect(audit!.details).toMatchObject({ day: threeYears, retentionYears: 3 });
    expect((audit!.details as { pseudonymised: number }).pseudonymised).toBeGreaterThanOrEqual(1);
  });

  it("keeps the accounting lines: refs, amounts, dates and statuses of invoices and payments, as they were", async () => {
    const now = await accounting(a.customerId);
    expect(now.invoices.length).toBeGreaterThan(0);
    expect(now.payments.some((p) => p.ref === `RET-${a.customerId.slice(-8)}` && p.date === TEST_TODAY)).toBe(true);
    expect(now).toEqual(accountingBefore);
  });

  it("keeps a customer on legal hold whole", async () => {
    const held = await customer(b.customerId);
    expect(held).toMatchObject({ name: b.name, pseudonymisedAt: null, legalHoldReason: "Contestation devant le tribunal judiciaire" });
    const status = await call(server.url, "GET", `/api/customers/${b.customerId}/privacy`, { cookie: (office = await signIn(server.url, "bureau@demo.test")) });
    expect(status.body.state).toBe("kept");
    expect(status.body.obstacles).toEqual([{ code: "legal_hold", text: "Conservation pour motif légal : Contestation devant le tribunal judiciaire." }]);
  });

  it("deletes the bytes of the customer's photos, keeping each photo's row as a tombstone with its hash", async () => {
    for (const h of [sha(door), sha(padlock)]) {
      expect(existsSync(blobFile(h))).toBe(false);
      const [row] = await db().select().from(photos).where(eq(photos.sha256, h));
      expect(row!.erasedAt).toBe(clock.now().toISOString());
    }
    expect((await call(server.url, "GET", `/api/blobs/${sha(door)}`, { cookie: office })).status).toBe(404);
  });

  it("does not take an erased photo back from a phone that still holds it", async () => {
    vt = await signIn(server.url, "gestionnaire@demo.test");
    const res = await upload(door, vt);
    expect(res.status).toBe(200);
    expect(existsSync(blobFile(sha(door)))).toBe(false);
  });

  it("is no longer on the phones: the next pull removes them and carries no trace of the name", async () => {
    const pulled = await call(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor, page: null } });
    expect(pulled.status).toBe(200);
    expect(pulled.body.reset).toBe(false);
    expect(pulled.body.removed).toContain(a.customerId);
    expect(JSON.stringify(pulled.body)).not.toContain(a.name);
  });

  it("is not brought back by the next import of the billing software's customers file", async () => {
    const res = await fetch(`${server.url}/api/imports/customers`, {
      method: "POST",
      headers: { cookie: office, "content-type": "text/csv" },
      body: `customer_ref;kind;name;payment_method;email\n${a.ref};person;${a.name};card;revenu@example.fr\n`,
    });
    expect(res.status).toBe(200);
    expect(await customer(a.customerId)).toMatchObject({ name: "Client effacé", email: null });
  });

  it("follows the setting: with 2 years instead of 3, a relationship ended a year later is pseudonymised now", async () => {
    // F's contract ended a year after the others: with 3 years, F has a year to go.
    moveTo(addDays(threeYears, 1));
    await runRetention();
    expect((await customer(f.customerId)).pseudonymisedAt).toBeNull();
    const set = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { retentionYears: 2 } });
    expect(set.status).toBe(200);
    expect(set.body.retentionYears).toBe(2);
    moveTo(addDays(threeYears, 2));
    await runRetention();
    expect((await customer(f.customerId)).name).toBe("Client effacé");
    expect((await customer(b.customerId)).name).toBe(b.name);
  });
});

describe("the evidence chain of a pseudonymised case", () => {
  const evidence = async () => (await call(server.url, "GET", `/api/cases/${a.case!.id}/evidence`, { cookie: office })).body;

  it("gets an erasure record; each erased record keeps its hash, and the chain still verifies", async () => {
    const log = await evidence();
    expect(log.integrity).toEqual({ ok: true, records: 2, photosPending: [], problems: [] });
    const [placed, erasure] = log.records;
    expect(placed).toMatchObject({ seq: 1, kind: "padlock.placed", photos: [sha(door), sha(padlock)], payload: { erased: { reason: "retention", record: 2 } } });
    expect(erasure).toMatchObject({ seq: 2, kind: "personal_data.erased", payload: { reason: "retention", erased: [{ seq: 1, hash: placed.hash }], photos: [sha(door), sha(padlock)].sort() } });
  });

  it("the evidence pack says what was erased and when", async () => {
    const res = await fetch(`${server.url}/api/cases/${a.case!.id}/evidence-pack.zip`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    const manifest = JSON.parse(strFromU8(unzipSync(new Uint8Array(await res.arrayBuffer()))["manifest.json"]!));
    expect(manifest.case.customer).toBe("Client effacé");
    expect(manifest.integrity.ok).toBe(true);
    expect(manifest.attention[0]).toMatch(/^Données personnelles effacées le \d{2}\/\d{2}\/\d{4} .*durée de conservation écoulée.*enregistrements n° 1 .*2 photos supprimées/);
  });

  it("the database lets nothing else than a tombstone through", async () => {
    const refusal = (q: ReturnType<typeof sql>) => db().run(q).then(() => "accepted", (e) => String((e as { cause?: Error }).cause?.message ?? e));
    expect(await refusal(sql`update evidence_records set payload = '{"padlockNumber":"0000"}' where chain = ${a.case!.id} and seq = 2`)).toContain("evidence is append-only");
    expect(await refusal(sql`update evidence_records set payload = '{"erased":{"at":"x"}}' where chain = ${a.case!.id} and seq = 1`)).toContain("evidence is append-only");
    expect(await refusal(sql`update photos set erased_at = null where sha256 = ${sha(door)}`)).toContain("photos are append-only");
    expect(await refusal(sql`delete from evidence_records where chain = ${a.case!.id}`)).toContain("evidence is append-only");
  });

  it("still names any other change: an erased record altered, an erasure record altered", async () => {
    await db().run(sql`drop trigger evidence_records_append_only_update`);
    await db().run(sql`update evidence_records set device_time = '2020-01-01T00:00:00.000Z' where chain = ${a.case!.id} and seq = 1`);
    let log = await evidence();
    expect(log.integrity.ok).toBe(false);
    expect(log.integrity.problems).toEqual(["enregistrement 1 (padlock.placed, 2020-01-01T00:00:00.000Z) : enregistrement effacé modifié après coup (empreinte différente)"]);
    await db().run(sql`update evidence_records set device_time = ${log.records[1].deviceTime}, payload = json_set(payload, '$.erased', json('[]')) where chain = ${a.case!.id} and seq = 2`);
    log = await evidence();
    expect(log.integrity.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^enregistrement 1 \(padlock\.placed, .*\) : contenu effacé sans enregistrement d'effacement qui l'atteste$/),
        expect.stringMatching(/^enregistrement 2 \(personal_data\.erased, .*\) : contenu modifié après coup/),
      ]),
    );
  });
});

describe("an erasure request", () => {
  const ask = (id: string) => call(server.url, "POST", `/api/customers/${id}/erasure-requests`, { cookie: office, body: { requestedOn: clock.today(), reference: "Courrier du client, réf. RGPD-12" } });
  const history = (id: string) => db().select({ text: actions.text, data: actions.data }).from(actions).where(and(eq(actions.customerId, id), eq(actions.kind, "note")));

  it("is refused while a debt is owed, with the reasons in French, and recorded in the history and the audit log", async () => {
    const res = await ask(d.customerId);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect(res.body.error.details.outcome).toBe("refused");
    const codes = res.body.error.details.obstacles.map((o: { code: string }) => o.code);
    expect(codes).toEqual(expect.arrayContaining(["debt_owed", "open_case"]));
    expect(res.body.error.message).toMatch(/^Effacement refusé : Une dette de .* reste due/);
    expect((await customer(d.customerId)).name).toBe(d.name);
    const lines = await history(d.customerId);
    expect(lines.some((l) => l.text.startsWith(`Demande d'effacement du ${clock.today()} (Courrier du client, réf. RGPD-12) refusée : Une dette de`))).toBe(true);
    const [audit] = await db().select().from(auditLog).where(and(eq(auditLog.event, "customer.erasure_refused"), eq(auditLog.entityId, d.customerId)));
    expect(audit!.details).toMatchObject({ reference: "Courrier du client, réf. RGPD-12", obstacles: expect.arrayContaining(["debt_owed"]) });
  });

  it("is refused under a legal hold, saying the hold", async () => {
    const res = await ask(b.customerId);
    expect(res.status).toBe(409);
    expect(res.body.error.details.obstacles).toEqual([{ code: "legal_hold", text: "Conservation pour motif légal : Contestation devant le tribunal judiciaire." }]);
    expect((await customer(b.customerId)).pseudonymisedAt).toBeNull();
  });

  it("a legal hold is lifted with its reason, audited and written in the history", async () => {
    const lift = await call(server.url, "PUT", `/api/customers/${b.customerId}/legal-hold`, { cookie: office, body: { held: false, reason: "Jugement rendu, plus de litige" } });
    expect(lift.status).toBe(200);
    expect(lift.body.legalHold).toBeNull();
    const events = await db().select().from(auditLog).where(eq(auditLog.entityId, b.customerId));
    expect(events.map((e) => e.event)).toEqual(["customer.legal_hold_set", "customer.erasure_refused", "customer.legal_hold_lifted"]);
    expect(events[2]!.details).toEqual({ reason: "Jugement rendu, plus de litige" });
    expect((await history(b.customerId)).map((l) => l.text)).toEqual(
      expect.arrayContaining(["Conservation pour motif légal : Contestation devant le tribunal judiciaire", "Conservation pour motif légal levée : Jugement rendu, plus de litige"]),
    );
  });

  it("is carried out at once when nothing requires the data, without waiting for the retention period, and recorded", async () => {
    await settle(c.customerId, clock.today());
    expect((await call(server.url, "GET", `/api/customers/${c.customerId}/privacy`, { cookie: office })).body.state).toBe("archived");
    const res = await ask(c.customerId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: "erased", pseudonymisedAt: clock.now().toISOString() });
    expect(await customer(c.customerId)).toMatchObject({ ref: c.ref, name: "Client effacé", phone: null, email: null });
    const [audit] = await db().select().from(auditLog).where(and(eq(auditLog.event, "customer.erased"), eq(auditLog.entityId, c.customerId)));
    expect(audit!.details).toMatchObject({ requestedOn: clock.today(), reference: "Courrier du client, réf. RGPD-12" });
    // Asked again: done already, said so.
    const again = await ask(c.customerId);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("already");
  });

  it("is the office's alone", async () => {
    const manager = await signIn(server.url, "manager@demo.test");
    expect((await call(server.url, "POST", `/api/customers/${c.customerId}/erasure-requests`, { cookie: manager, body: { requestedOn: clock.today(), reference: "x-y-z" } })).status).toBe(403);
    expect((await call(server.url, "PUT", `/api/customers/${c.customerId}/legal-hold`, { cookie: manager, body: { held: true, reason: "litige" } })).status).toBe(403);
  });
});
