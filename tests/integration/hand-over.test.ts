import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payments } from "../../server/billing/billing.sql";
import { actions, cases } from "../../server/cases/cases.sql";
import { handOvers } from "../../server/cases/hand-over.sql";
import { customers } from "../../server/customers/customers.sql";
import { runEngineDay } from "../../server/engine/run";
import { messages } from "../../server/messaging/messaging.sql";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { csvEuros } from "../../server/csv";
import { addDays } from "../../shared/dates";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The hand-over to a bailiff (transmis au contentieux): one ZIP — unzipped here, every file's SHA-256 checked against
// the manifest, the CSV read back —, the case marked once and for all, the legal hold set, the list with what was paid
// since; and from then on the engine plans nothing and the outbox sends nothing to that customer.

let server: TestServer;
let office: string;
let manager: string;
let floor: string;
let target: { customerId: string; caseId: string; ref: string; name: string };
let recipientId: string;
/** A day on which the daily engine plans something for the target before the hand-over. */
let plannedDay: string;

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const db = () => server.services.db;
const dryRun = (asOf: string) => runEngineDay(db(), { asOf, dryRun: true, now: server.services.clock.now() });

beforeAll(async () => {
  server = await startTestServer();
  [office, manager, floor] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  // A LYO debtor with an open case who owes, and whom the daily engine would act on in the coming days.
  const candidates = await db().all<{ customerId: string; caseId: string; ref: string; name: string }>(sql`
    select c.id as customerId, k.id as caseId, c.ref, c.name from customers c join cases k on k.customer_id = c.id and k.status = 'open'
     where c.id in (select ct.customer_id from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id where s.code = 'LYO')
       and (select coalesce(sum(amount_cents), 0) from invoices where customer_id = c.id and due_date <= ${TEST_TODAY})
         > (select coalesce(sum(amount_cents), 0) from payments where customer_id = c.id and status = 'ok')
     order by c.ref`);
  for (const day of [1, 3, 7, 10, 14, 21].map((d) => addDays(TEST_TODAY, d))) {
    const refs = new Set((await dryRun(day)).plan.map((l) => l.customer_ref));
    const found = candidates.find((c) => refs.has(c.ref));
    if (found) {
      target = found;
      plannedDay = day;
      break;
    }
  }
  expect(target, "a debtor the engine acts on").toBeDefined();
}, 120_000);
afterAll(() => server.close());

const download = async (path: string, cookie: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
};

describe("the recipients the office keeps", () => {
  it("are added, changed and archived by the office alone", async () => {
    const body = { kind: "bailiff", name: "SCP Huissiers Réunis", address: "4 quai de Saône, 69005 Lyon", email: "etude@huissiers.test" };
    expect((await call(server.url, "POST", "/api/hand-over-recipients", { cookie: manager, body })).status).toBe(403);
    const made = await call(server.url, "POST", "/api/hand-over-recipients", { cookie: office, body });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    recipientId = made.body.id;
    const archived = await call(server.url, "POST", "/api/hand-over-recipients", { cookie: office, body: { kind: "agency", name: "Recouvrement Ancien", address: "1 rue X, 75001 Paris", email: null } });
    const put = await call(server.url, "PUT", `/api/hand-over-recipients/${archived.body.id}`, { cookie: office, body: { archived: true } });
    expect(put.status).toBe(200);
    expect(put.body.archivedAt).not.toBeNull();
    const list = await call(server.url, "GET", "/api/hand-over-recipients", { cookie: office });
    // Those in use by name (the demo's two among them), the archived last.
    const names = list.body.recipients.map((r: { name: string }) => r.name);
    expect(names.slice(0, -1)).toEqual([...names.slice(0, -1)].sort((a: string, b: string) => (a < b ? -1 : 1)));
    expect(names).toContain("SCP Huissiers Réunis");
    expect(names.at(-1)).toBe("Recouvrement Ancien");
    // An archived recipient is not offered for a hand-over.
    const refused = await call(server.url, "POST", `/api/cases/${target.caseId}/hand-over`, { cookie: office, body: { recipientId: archived.body.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("archivé");
  });
});

describe("a hand-over refused", () => {
  it("for a case not open", async () => {
    const [closed] = await db().select().from(cases).where(sql`${cases.status} <> 'open'`).limit(1);
    const res = await call(server.url, "POST", `/api/cases/${closed!.id}/hand-over`, { cookie: office, body: { recipientId } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/^Ce dossier n'est pas ouvert/);
  });

  it("for a customer who owes nothing, and nothing is written", async () => {
    const [other] = await db().all<{ customerId: string; caseId: string; owed: number }>(sql`
      select c.id as customerId, k.id as caseId,
        (select coalesce(sum(amount_cents), 0) from invoices where customer_id = c.id and due_date <= ${TEST_TODAY})
          - (select coalesce(sum(amount_cents), 0) from payments where customer_id = c.id and status = 'ok') as owed
        from customers c join cases k on k.customer_id = c.id and k.status = 'open' where c.id <> ${target.customerId} order by c.ref desc limit 1`);
    await db().insert(payments).values({ id: uuidv7(), ref: `PAY-HO-${other!.customerId.slice(-6)}`, customerId: other!.customerId, date: TEST_TODAY, amountCents: Number(other!.owed), method: "transfer", status: "ok" });
    const res = await call(server.url, "POST", `/api/cases/${other!.caseId}/hand-over`, { cookie: office, body: { recipientId } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("ne doit rien");
    expect(await db().select().from(handOvers)).toHaveLength(0);
  });

  it("to a Manager and to the floor", async () => {
    expect((await call(server.url, "POST", `/api/cases/${target.caseId}/hand-over`, { cookie: manager, body: { recipientId } })).status).toBe(403);
    expect((await call(server.url, "POST", `/api/cases/${target.caseId}/hand-over`, { cookie: floor, body: { recipientId } })).status).toBe(403);
  });
});

describe("a case handed over", () => {
  let made: any;
  let files: Record<string, Uint8Array>;

  it("is recorded once, with what was owed, and its ZIP kept", async () => {
    const res = await call(server.url, "POST", `/api/cases/${target.caseId}/hand-over`, { cookie: office, body: { recipientId, note: "Dossier complet, AR joint" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made = res.body;
    const [owed] = await db().all<{ owed: number }>(sql`
      select (select coalesce(sum(amount_cents), 0) from invoices where customer_id = ${target.customerId} and due_date <= ${TEST_TODAY})
           - (select coalesce(sum(amount_cents), 0) from payments where customer_id = ${target.customerId} and status = 'ok' and date <= ${TEST_TODAY}) as owed`);
    expect(made).toMatchObject({ caseId: target.caseId, customerRef: target.ref, siteCode: "LYO", handedOn: TEST_TODAY, amountCents: Number(owed!.owed), paidSinceCents: 0, recipient: { name: "SCP Huissiers Réunis", kind: "bailiff" } });
    const [kase] = await db().select().from(cases).where(eq(cases.id, target.caseId));
    expect(kase!.handOverId).toBe(made.id);
    expect(kase!.handedOverAt).not.toBeNull();
    const [history] = await db().select().from(actions).where(sql`${actions.customerId} = ${target.customerId} and ${actions.kind} = 'handed_over'`);
    expect(history!.text).toContain("SCP Huissiers Réunis");
    const [customer] = await db().select().from(customers).where(eq(customers.id, target.customerId));
    expect(customer!.legalHoldReason).toMatch(/^Transmis au contentieux \(SCP Huissiers Réunis\)/);
  });

  it("is refused a second time", async () => {
    const again = await call(server.url, "POST", `/api/cases/${target.caseId}/hand-over`, { cookie: office, body: { recipientId } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/déjà été transmis au contentieux/);
    expect(await db().select().from(handOvers)).toHaveLength(1);
  });

  it("gives a ZIP whose every file hashes as its manifest says", async () => {
    const res = await download(`/api/hand-overs/${made.id}/zip`, office);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="contentieux-${target.ref}-${TEST_TODAY}.zip"`);
    expect(sha(res.bytes)).toBe(made.zipSha256);
    files = unzipSync(res.bytes);
    const names = Object.keys(files);
    expect(names).toContain(`releve-${target.ref}-${TEST_TODAY}.pdf`);
    expect(names).toContain("synthese.csv");
    expect(names).toContain("manifeste.json");
    expect(names).toContain("empreintes.txt");
    expect(names.some((n) => /^dossier-de-preuves\/preuves-.*\.pdf$/.test(n))).toBe(true);
    // The evidence pack holds the statement at its date too.
    expect(names).toContain(`dossier-de-preuves/releve-${target.ref}-${TEST_TODAY}.pdf`);
    const manifest = JSON.parse(strFromU8(files["manifeste.json"]!));
    expect(manifest.recipient.name).toBe("SCP Huissiers Réunis");
    expect(manifest.amountCents).toBe(made.amountCents);
    const listed = manifest.files.map((f: { name: string }) => f.name).sort();
    expect(listed).toEqual(names.filter((n) => n !== "manifeste.json" && n !== "empreintes.txt").sort());
    for (const f of manifest.files as { name: string; sha256: string; size: number }[]) {
      expect(sha(files[f.name]!), f.name).toBe(f.sha256);
      expect(files[f.name]!.length).toBe(f.size);
    }
    // Every registered letter sent to the customer is listed with its tracking number.
    const sent = await db().select().from(messages).where(sql`${messages.customerId} = ${target.customerId} and ${messages.channel} = 'registered_letter' and ${messages.status} = 'sent'`);
    for (const m of sent) expect(manifest.letters.find((l: { messageId: string }) => l.messageId === m.id)?.trackingNumber).toBe(m.providerId);
  });

  it("summarises the case in a CSV for French Excel", () => {
    const bytes = files["synthese.csv"]!;
    expect([...bytes.slice(0, 3)], "a BOM, for Excel to read the accents").toEqual([0xef, 0xbb, 0xbf]);
    const rows = strFromU8(bytes).replace(/^\uFEFF/, "").trimEnd().split("\r\n").map((r) => r.split(";"));
    expect(rows[0]).toEqual(["Rubrique", "Date", "Référence", "Libellé", "Montant (€)", "Reste dû (€)", "Détail"]);
    expect(rows.find((r) => r[0] === "Client")!.slice(2, 4)).toEqual([target.ref, target.name]);
    expect(rows.find((r) => r[0] === "Site")![2]).toBe("LYO");
    expect(rows.some((r) => r[0] === "Box")).toBe(true);
    const owed = rows.find((r) => r[0] === "Montant dû")!;
    expect(owed[1]).toBe(TEST_TODAY);
    expect(owed[4]).toBe(csvEuros(made.amountCents));
    expect(rows.filter((r) => r[0] === "Facture").length).toBeGreaterThan(0);
    expect(rows.some((r) => r[0] === "Démarche" && /^\d{4}-\d{2}-\d{2}$/.test(r[1]!))).toBe(true);
  });

  it("is listed with what was paid since and what is owed now; a site manager may not see the list", async () => {
    await db().insert(payments).values({ id: uuidv7(), ref: "PAY-AFTER-HO", customerId: target.customerId, date: addDays(TEST_TODAY, 1), amountCents: 1_000, method: "transfer", status: "ok" });
    const list = await call(server.url, "GET", "/api/hand-overs", { cookie: office });
    expect(list.status).toBe(200);
    expect(list.body.handOvers).toHaveLength(1);
    expect(list.body.handOvers[0]).toMatchObject({ id: made.id, paidSinceCents: 1_000, balanceCents: made.amountCents - 1_000 });
    expect((await call(server.url, "GET", "/api/hand-overs", { cookie: manager })).body.handOvers).toHaveLength(1);
    expect((await call(server.url, "GET", "/api/hand-overs", { cookie: floor })).status).toBe(403);
    expect((await download(`/api/hand-overs/${made.id}/zip`, floor)).status).toBe(403);
  });

  it("is left alone by the engine and the outbox", async () => {
    const plan = await dryRun(plannedDay);
    expect(plan.plan.filter((l) => l.customer_ref === target.ref), "the daily engine plans nothing for a customer handed over").toEqual([]);
    const id = uuidv7();
    await db().insert(messages).values({ id, caseId: target.caseId, customerId: target.customerId, channel: "email", purpose: "reminder", recipient: "client@exemple.test", subject: "Relance", body: "Relance", idempotencyKey: `test:${id}` });
    await db().run(sql`update messages set not_before = '2999-01-01T00:00:00.000Z' where status = 'queued' and id <> ${id}`);
    await sendDueMessages(db(), transportsFor(server.services.config), { id: "hand-over-worker", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
    const [m] = await db().select().from(messages).where(eq(messages.id, id));
    expect(m!.status, "a queued reminder is not sent").toBe("cancelled");
  });
});
