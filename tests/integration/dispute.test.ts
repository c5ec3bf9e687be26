import { eq, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { runEngineDay } from "../../server/engine/run";
import { messages } from "../../server/messaging/messaging.sql";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { addDays } from "../../shared/dates";
import type { PullResponse } from "../../shared/schemas/debtor-doc";
import type { FollowUpResponse, FollowUpRow } from "../../shared/schemas/follow-up";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// A dispute (*litige*, issue 17): put by the office with a note, lifted with a note, both in the customer's history;
// meanwhile no automatic step and no message reach the customer, the phone shows it, and the legal hold is set — and
// lifted with the dispute only when it was the dispute's.

describe("dispute", () => {
  let server: TestServer;
  let office: string;
  let rows: FollowUpRow[];

  const put = (customerId: string, body: unknown, cookie = office) => call(server.url, "PUT", `/api/customers/${customerId}/dispute`, { cookie, body });
  const historyOf = async (customerId: string) =>
    (await server.services.db.select({ kind: actions.kind, text: actions.text }).from(actions).where(eq(actions.customerId, customerId))).map((a) => `${a.kind}: ${a.text}`);
  const holdOf = async (customerId: string) => (await server.services.db.select({ hold: customers.legalHoldReason }).from(customers).where(eq(customers.id, customerId)))[0]!.hold;

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
    rows = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?site=LYO&sort=ref&dir=asc&limit=500", { cookie: office })).body.rows.filter((r) => r.caseId !== null && !r.stop && !r.dispute && !r.handedOverAt);
    expect(rows.length).toBeGreaterThan(5);
  });
  afterAll(() => server.close());

  it("is put with a note and lifted with a note, both in the history, with the legal hold set then lifted", async () => {
    const target = rows[0]!;
    expect(await holdOf(target.customerId)).toBeNull();
    const on = await put(target.customerId, { dispute: true, note: "Conteste la facture de mars" });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.dispute).toMatchObject({ note: "Conteste la facture de mars" });
    expect(on.body.legalHold).toContain("Litige ouvert le");
    expect(await historyOf(target.customerId)).toContain("dispute_opened: Mis en litige : Conteste la facture de mars");
    // The table shows it.
    const seen = await call<FollowUpResponse>(server.url, "GET", `/api/followup?dispute=yes&limit=500`, { cookie: office });
    expect(seen.body.rows.map((r) => r.customerId)).toContain(target.customerId);

    const again = await put(target.customerId, { dispute: true, note: "Encore" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe("Déjà en litige.");
    expect((await put(target.customerId, { dispute: false, note: "ok" })).status).toBe(400);

    const off = await put(target.customerId, { dispute: false, note: "Avoir émis, accord trouvé" });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.dispute).toBeNull();
    expect(off.body.legalHold).toBeNull();
    expect(await historyOf(target.customerId)).toContain("dispute_lifted: Litige levé : Avoir émis, accord trouvé");
    const twice = await put(target.customerId, { dispute: false, note: "Encore levé" });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe("N'est pas en litige.");
  });

  it("keeps a legal hold that was not the dispute's when the dispute is lifted", async () => {
    const target = rows[1]!;
    expect((await call(server.url, "PUT", `/api/customers/${target.customerId}/legal-hold`, { cookie: office, body: { held: true, reason: "Procédure au tribunal" } })).status).toBe(200);
    expect((await put(target.customerId, { dispute: true, note: "Conteste le dépôt de garantie" })).status).toBe(200);
    expect(await holdOf(target.customerId)).toBe("Procédure au tribunal");
    expect((await put(target.customerId, { dispute: false, note: "Litige réglé à l'amiable" })).status).toBe(200);
    expect(await holdOf(target.customerId)).toBe("Procédure au tribunal");
  });

  it("stops the engine and the outbox: nothing planned, a queued message cancelled with the reason", async () => {
    const later = addDays(TEST_TODAY, 20);
    const plan = async () => (await runEngineDay(server.services.db, { asOf: later, dryRun: true, now: server.services.clock.now() })).plan;
    // A customer the engine has something for.
    const planned = new Set((await plan()).map((p) => p.customer_ref));
    const target = rows.slice(6).find((r) => planned.has(r.ref))!;
    expect(target).toBeDefined();
    const planFor = async () => (await plan()).filter((p) => p.customer_ref === target.ref);
    expect((await planFor()).length).toBeGreaterThan(0);
    // A message queued before the dispute (the office's template, through the outbox).
    const queued = await call(server.url, "POST", "/api/followup/bulk", { cookie: office, body: { requestId: uuidv7(), customerIds: [target.customerId], action: { kind: "template", channel: "sms", templateCode: "rappel-sms" } } });
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    const [message] = await server.services.db.select().from(messages).where(sql`${messages.customerId} = ${target.customerId} and ${messages.status} = 'queued'`);
    expect(message).toBeDefined();

    expect((await put(target.customerId, { dispute: true, note: "Conteste le montant des frais" })).status).toBe(200);
    expect(await planFor()).toEqual([]);
    await sendDueMessages(server.services.db, transportsFor(server.services.config), { id: "dispute-worker", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
    const [after] = await server.services.db.select().from(messages).where(eq(messages.id, message!.id));
    expect(after!.status).toBe("cancelled");
    expect(after!.lastError).toContain("litige");
    // And a new one is refused with the reason.
    const refused = await call(server.url, "POST", "/api/followup/bulk", { cookie: office, body: { requestId: uuidv7(), customerIds: [target.customerId], action: { kind: "template", channel: "sms", templateCode: message!.templateCode } } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.refused[0].reason).toContain("litige");
  });

  it("shows on the site manager's phone after a pull", async () => {
    const target = rows[3]!;
    const phone = await signIn(server.url, "gestionnaire@demo.test");
    const clientId = uuidv7();
    const first = await call<PullResponse>(server.url, "POST", "/api/sync/pull", { cookie: phone, body: { clientId, cursor: null } });
    let cursor = first.body.cursor;
    let page = first.body;
    while (page.hasMore) {
      page = (await call<PullResponse>(server.url, "POST", "/api/sync/pull", { cookie: phone, body: { clientId, cursor, page: page.nextPage } })).body;
      cursor = page.cursor;
    }
    expect((await put(target.customerId, { dispute: true, note: "Conteste la résiliation" })).status).toBe(200);
    const next = await call<PullResponse>(server.url, "POST", "/api/sync/pull", { cookie: phone, body: { clientId, cursor } });
    const doc = next.body.docs.find((d) => d.customerId === target.customerId);
    expect(doc?.dispute).toMatchObject({ note: "Conteste la résiliation" });
  });

  it("is refused to a site manager, to a Manager of another site (not found), and for an erased customer", async () => {
    const target = rows[4]!;
    const siteManager = await signIn(server.url, "gestionnaire@demo.test");
    expect((await put(target.customerId, { dispute: true, note: "Pas à moi" }, siteManager)).status).toBe(403);
    const vil = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?site=VIL&limit=1", { cookie: office })).body.rows[0]!;
    const manager = await lyonManager();
    expect((await put(vil.customerId, { dispute: true, note: "Autre site" }, manager)).status).toBe(404);
    expect((await put(target.customerId, { dispute: true, note: "Mon site" }, manager)).status).toBe(200);

    await server.services.db.run(sql`update customers set pseudonymised_at = ${new Date().toISOString()} where id = ${rows[5]!.customerId}`);
    const erased = await put(rows[5]!.customerId, { dispute: true, note: "Trop tard" });
    expect(erased.status).toBe(409);
    expect(erased.body.error.message).toContain("Données effacées");
  });

  /** The demo's Manager, held to LYO only. */
  async function lyonManager(): Promise<string> {
    const [lyo] = await server.services.db.all<{ id: string }>(sql`select id from sites where code = 'LYO'`);
    const [me] = await server.services.db.all<{ id: string }>(sql`select id from users where email = 'manager@demo.test'`);
    const changed = await call(server.url, "PATCH", `/api/users/${me!.id}`, { cookie: office, body: { siteIds: [lyo!.id] } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    return signIn(server.url, "manager@demo.test");
  }
});
