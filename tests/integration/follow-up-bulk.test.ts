import ExcelJS from "exceljs";
import { and, eq, inArray, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, tasks } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { addDays } from "../../shared/dates";
import type { FollowUpResponse, FollowUpRow } from "../../shared/schemas/follow-up";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The follow-up table's bulk actions (issue 17): each action applied to every customer of the selection and written
// in each one's history; all or nothing — one refused customer and nothing at all is written, each refusal listed
// with its reason; a Manager's selection holding another site's customer is refused without a word of them; "every
// row of this view"; a retried request does nothing twice. Also the XLSX export read back, and the saved views.

describe("follow-up bulk actions", () => {
  let server: TestServer;
  let office: string;
  let lyon: FollowUpRow[];
  let vil: FollowUpRow[];

  const bulk = (body: Record<string, unknown>, cookie = office) => call(server.url, "POST", "/api/followup/bulk", { cookie, body: { requestId: uuidv7(), ...body } });
  const kindsOf = async (ids: string[], kind: string) =>
    (await server.services.db.select({ customerId: actions.customerId }).from(actions).where(and(inArray(actions.customerId, ids), sql`${actions.kind} = ${kind}`))).map((a) => a.customerId);
  const stateOf = async (ids: string[]) => server.services.db.select().from(customers).where(inArray(customers.id, ids));
  let next = 0;
  /** Customers not used by another test yet. */
  const take = (n: number, from = lyon) => {
    const out = from.slice(next, next + n);
    next += n;
    return out;
  };

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
    const rows = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?sort=ref&dir=asc&limit=500", { cookie: office })).body.rows.filter((r) => !r.stop && !r.dispute && !r.handedOverAt);
    lyon = rows.filter((r) => r.site.code === "LYO");
    vil = rows.filter((r) => r.site.code === "VIL");
    expect(lyon.length).toBeGreaterThan(20);
  });
  afterAll(() => server.close());

  it("puts on stop and resumes, each in the histories", async () => {
    const ids = take(3).map((r) => r.customerId);
    const stop = await bulk({ customerIds: ids, action: { kind: "stop", note: "Accord avec la direction" } });
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    expect(stop.body).toEqual({ done: 3, replayed: false });
    for (const c of await stateOf(ids)) expect(c).toMatchObject({ officeStopNote: "Accord avec la direction" });
    expect((await kindsOf(ids, "stop_set")).sort()).toEqual([...ids].sort());
    const rows = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?stop=yes&limit=500", { cookie: office })).body.rows.map((r) => r.customerId);
    expect(rows).toEqual(expect.arrayContaining(ids));

    const resume = await bulk({ customerIds: ids, action: { kind: "resume", note: "Reprise des relances" } });
    expect(resume.status).toBe(200);
    for (const c of await stateOf(ids)) expect(c.officeStopAt).toBeNull();
    expect((await kindsOf(ids, "stop_lifted")).sort()).toEqual([...ids].sort());
  });

  it("marks in dispute, changes the scenario and adds a task for the floor, each in the histories", async () => {
    const [a, b] = [take(2).map((r) => r.customerId), take(2).map((r) => r.customerId)];
    expect((await bulk({ customerIds: a, action: { kind: "dispute", note: "Contestation collective" } })).status).toBe(200);
    for (const c of await stateOf(a)) expect(c).toMatchObject({ disputeNote: "Contestation collective" });
    expect(await kindsOf(a, "dispute_opened")).toHaveLength(2);

    expect((await bulk({ customerIds: b, action: { kind: "scenario", scenario: "grand-compte" } })).status).toBe(200);
    for (const c of await stateOf(b)) expect(c.officeSegment).toBe("grand-compte");
    expect(await kindsOf(b, "scenario_changed")).toHaveLength(2);
    const table = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?scenario=grand-compte&limit=500", { cookie: office })).body.rows.map((r) => r.customerId);
    expect(table).toEqual(expect.arrayContaining(b));

    const dueOn = addDays(TEST_TODAY, 2);
    expect((await bulk({ customerIds: b, action: { kind: "task", text: "Vérifier le box et photographier", dueOn } })).status).toBe(200);
    const made = await server.services.db.select().from(tasks).where(and(inArray(tasks.customerId, b), eq(tasks.kind, "office_request")));
    expect(made.length).toBeGreaterThanOrEqual(2);
    for (const t of made) expect(t).toMatchObject({ note: "Vérifier le box et photographier", dueOn, status: "open" });
    expect(await kindsOf(b, "task_added")).toHaveLength(2);
  });

  it("writes nothing when one customer is refused, and lists each refusal with its reason", async () => {
    const fine = take(4).map((r) => r.customerId);
    const [onStop] = take(1);
    expect((await bulk({ customerIds: [onStop!.customerId], action: { kind: "stop", note: "Déjà arrêté" } })).status).toBe(200);
    const before = await server.services.db.all(sql`select count(*) as n from actions`);
    const refused = await bulk({ customerIds: [...fine, onStop!.customerId], action: { kind: "stop", note: "Tous en stop" } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Rien n'a été fait");
    expect(refused.body.error.details.refused).toEqual([{ customerId: onStop!.customerId, ref: onStop!.ref, name: onStop!.name, reason: "Déjà en stop." }]);
    for (const c of await stateOf(fine)) expect(c.officeStopAt).toBeNull();
    expect(await server.services.db.all(sql`select count(*) as n from actions`)).toEqual(before);
  });

  it("refuses a Manager's selection holding another site's customer, naming nothing of them, and touches none", async () => {
    const [lyo] = await server.services.db.all<{ id: string }>(sql`select id from sites where code = 'LYO'`);
    const [me] = await server.services.db.all<{ id: string }>(sql`select id from users where email = 'manager@demo.test'`);
    expect((await call(server.url, "PATCH", `/api/users/${me!.id}`, { cookie: office, body: { siteIds: [lyo!.id] } })).status).toBe(200);
    const manager = await signIn(server.url, "manager@demo.test");
    const mine = take(2).map((r) => r.customerId);
    const other = vil[0]!;
    const answer = await bulk({ customerIds: [...mine, other.customerId], action: { kind: "stop", note: "Stop du Manager" } }, manager);
    expect(answer.status).toBe(409);
    expect(answer.body.error.details.refused).toEqual([{ customerId: other.customerId, ref: null, name: null, reason: "Client introuvable à vos sites." }]);
    expect(JSON.stringify(answer.body)).not.toContain(other.name);
    for (const c of await stateOf([...mine, other.customerId])) expect(c.officeStopAt).toBeNull();
    // His own site's customers alone: done.
    expect((await bulk({ customerIds: mine, action: { kind: "stop", note: "Stop du Manager" } }, manager)).body).toEqual({ done: 2, replayed: false });
    // A site manager: refused outright.
    const siteManager = await signIn(server.url, "gestionnaire@demo.test");
    expect((await bulk({ customerIds: mine, action: { kind: "resume", note: "Pas moi" } }, siteManager)).status).toBe(403);
  });

  it("applies to every row of a view", async () => {
    const view = "site=VIL&kind=company";
    const rows = (await call<FollowUpResponse>(server.url, "GET", `/api/followup?${view}&limit=500`, { cookie: office })).body.rows;
    expect(rows.length).toBeGreaterThan(0);
    const answer = await bulk({ view, action: { kind: "task", text: "Relancer l'entreprise sur place" } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.done).toBe(rows.length);
    const ids = rows.map((r) => r.customerId);
    expect((await kindsOf(ids, "task_added")).sort()).toEqual([...ids].sort());
  });

  it("queues a template's message once, even when the request is sent again", async () => {
    const target = take(3);
    const ids = target.map((r) => r.customerId);
    await server.services.db.update(customers).set({ phone: "0612345678" }).where(inArray(customers.id, ids));
    const requestId = uuidv7();
    const body = { requestId, customerIds: ids, action: { kind: "template", channel: "sms", templateCode: "rappel-sms" } };
    const first = await call(server.url, "POST", "/api/followup/bulk", { cookie: office, body });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ done: 3, replayed: false });
    const again = await call(server.url, "POST", "/api/followup/bulk", { cookie: office, body });
    expect(again.body).toEqual({ done: 3, replayed: true });
    const queued = await server.services.db.select().from(messages).where(and(inArray(messages.customerId, ids), eq(messages.templateCode, "rappel-sms")));
    expect(queued).toHaveLength(3);
    for (const m of queued) expect(m).toMatchObject({ channel: "sms", status: "queued", recipient: expect.stringContaining("612345678") });
    const lines = await server.services.db.select({ text: actions.text }).from(actions).where(and(inArray(actions.customerId, ids), eq(actions.kind, "sms"), sql`${actions.text} like '%demandé par le bureau'`));
    expect(lines).toHaveLength(3);

    // No phone number, an unknown template: refused.
    const [none] = take(1);
    await server.services.db.update(customers).set({ phone: null }).where(eq(customers.id, none!.customerId));
    const noPhone = await bulk({ customerIds: [none!.customerId], action: { kind: "template", channel: "sms", templateCode: "rappel-sms" } });
    expect(noPhone.status).toBe(409);
    expect(noPhone.body.error.details.refused[0].reason).toBe("Pas de numéro de téléphone pour ce client.");
    expect((await bulk({ customerIds: ids, action: { kind: "template", channel: "sms", templateCode: "pas-un-modele" } })).status).toBe(400);
  });
});

describe("follow-up XLSX and saved views", () => {
  let server: TestServer;
  let office: string;

  beforeAll(async () => {
    server = await startTestServer();
    office = await signIn(server.url, "bureau@demo.test");
  });
  afterAll(() => server.close());

  it("exports the view as a workbook that opens back: headers, amounts, dates, oui/non, a formula kept as text", async () => {
    const rows = (await call<FollowUpResponse>(server.url, "GET", "/api/followup?site=LYO&sort=ref&dir=asc&limit=500", { cookie: office })).body.rows;
    const target = rows.find((r) => r.oldestDueOn !== null)!;
    await server.services.db.run(sql`update customers set name = '=HYPERLINK("http://evil.example","x")' where id = ${target.customerId}`);
    const res = await fetch(`${server.url}/api/followup.xlsx?site=LYO&sort=ref&dir=asc&limit=5`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    expect(res.headers.get("content-disposition")).toMatch(/filename="suivi-impayes-\d{4}-\d{2}-\d{2}\.xlsx"/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 8)).toEqual(["client", "nom", "type", "scenario", "site", "box", "solde", "impaye_depuis"]);
    // Every row of the view, not the page the limit asked for.
    expect(sheet.rowCount - 1).toBe(rows.length);
    const col = (name: string) => header.indexOf(name) + 1;
    const line = [...Array(sheet.rowCount).keys()].map((i) => sheet.getRow(i + 1)).find((r) => r.getCell(1).value === target.ref)!;
    expect(line.getCell(col("nom")).value).toBe('=HYPERLINK("http://evil.example","x")');
    expect(line.getCell(col("nom")).type).toBe(ExcelJS.ValueType.String);
    expect(line.getCell(col("solde")).value).toBe(target.balanceCents / 100);
    expect(line.getCell(col("solde")).numFmt).toContain("€");
    expect(line.getCell(col("impaye_depuis")).value).toEqual(new Date(`${target.oldestDueOn}T00:00:00Z`));
    expect(line.getCell(col("jours_de_retard")).value).toBe(target.daysLate);
    expect(line.getCell(col("stop")).value).toBe(target.stop ? "oui" : "non");
  });

  it("keeps each user's own views: saved, replaced by name, listed, deleted; another user's is not found", async () => {
    const save = (body: unknown, cookie = office) => call(server.url, "POST", "/api/followup/views", { cookie, body });
    const first = await save({ name: "R2 à Lyon", query: "site=LYO&level=R2" });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ replaced: false, view: { name: "R2 à Lyon", query: "site=LYO&level=R2" } });
    const second = await save({ name: "R2 à Lyon", query: "site=LYO&level=R2&sort=balance" });
    expect(second.body).toMatchObject({ replaced: true, view: { id: first.body.view.id, query: "site=LYO&level=R2&sort=balance" } });
    expect((await save({ name: "Litiges", query: "dispute=yes" })).status).toBe(200);
    const list = await call(server.url, "GET", "/api/followup/views", { cookie: office });
    expect(list.body.views.map((v: { name: string }) => v.name)).toEqual(["Litiges", "R2 à Lyon"]);

    const manager = await signIn(server.url, "manager@demo.test");
    expect((await call(server.url, "GET", "/api/followup/views", { cookie: manager })).body.views).toEqual([]);
    expect((await call(server.url, "DELETE", `/api/followup/views/${first.body.view.id}`, { cookie: manager })).status).toBe(404);
    expect((await call(server.url, "DELETE", `/api/followup/views/${first.body.view.id}`, { cookie: office })).status).toBe(204);
    expect((await call(server.url, "GET", "/api/followup/views", { cookie: office })).body.views.map((v: { name: string }) => v.name)).toEqual(["Litiges"]);
  });
});
