import { and, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invoices } from "../../server/billing/billing.sql";
import { actions, cases, tasks } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { plannedActions } from "../../server/engine/engine.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { runEngineDay } from "../../server/engine/run";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import type { ScenariosResponse } from "../../shared/schemas/scenarios";
import { DEFAULT_SETTINGS } from "../../shared/schemas/settings";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer, importThroughRoute } from "../support/server";
import { addDays } from "../../shared/dates";

// What the office decides beyond the daily steps: settings (fees, threshold), scenarios, payment plans, a debt
// written off, a contract ended with its credit notes and the case filed; and the fees and credits it must enter
// in the billing software.

let server: TestServer;
let office: string;
let manager: string;
let floor: string;
beforeAll(async () => {
  server = await startTestServer();
  [office, manager, floor] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  await csv(
    "customers",
    `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop
WOF1;person;Wanda Offre;w@x.test;0611223344;1 rue A;69007;Lyon;transfer;;0
EXT1;company;Extra SARL;e@x.test;0611223345;2 rue B;69007;Lyon;transfer;;0
SEP1;person;Serge Pré;s@x.test;0611223346;3 rue C;69007;Lyon;sepa;;0
PLN1;person;Paule Plan;p@x.test;0611223347;4 rue D;69007;Lyon;cheque;;0
MIN1;person;Mini Dette;m@x.test;0611223348;5 rue E;69007;Lyon;transfer;;0
`,
  );
  await csv(
    "contracts",
    `contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date
CWOF1;WOF1;LYO;Z901;100,00;01/01/2026;
CEXT1;EXT1;LYO;Z902;100,00;01/01/2026;
CSEP1;SEP1;LYO;Z903;100,00;01/01/2026;
CPLN1;PLN1;LYO;Z904;100,00;01/01/2026;
CMIN1;MIN1;LYO;Z905;100,00;01/01/2026;
`,
  );
  await csv(
    "invoices",
    `invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount
FWOF1-10;WOF1;CWOF1;24/09/2026;01/10/2026;100,00
FEXT1-09;EXT1;CEXT1;24/08/2026;01/09/2026;100,00
FEXT1-10;EXT1;CEXT1;24/09/2026;01/10/2026;100,00
FEXT1-11;EXT1;CEXT1;24/10/2026;02/11/2026;100,00
FEXT1-12;EXT1;CEXT1;20/11/2026;01/12/2026;100,00
FSEP1-11;SEP1;CSEP1;24/10/2026;02/11/2026;100,00
FPLN1-11;PLN1;CPLN1;24/10/2026;02/11/2026;300,00
FMIN1-11;MIN1;CMIN1;24/10/2026;02/11/2026;12,00
`,
  );
  await csv("payments", `payment_ref;customer_ref;invoice_ref;date;amount;method;status;reason\nPSEP1;SEP1;FSEP1-11;05/11/2026;100,00;sepa;rejected;AM04\n`);
  // EXT1's R2 and R3 letters went by registered mail (the outbox records them; issue 5), R3's AR signed on 17
  // October: its 8 days ran to the 25th, the exit may come on 31 October.
  const ext = await customerId("EXT1");
  for (const [step, at] of [
    ["R2", "2026-10-01T09:00:00.000Z"],
    ["R3", "2026-10-15T09:00:00.000Z"],
  ] as const) {
    const messageId = uuidv7();
    await server.services.db.insert(messages).values({
      id: messageId,
      customerId: ext,
      channel: "registered_letter",
      stepCode: step,
      recipient: "Extra SARL",
      body: `LRAR ${step}`,
      status: "sent",
      sentAt: at,
      idempotencyKey: `test:${ext}|${step}`,
      ...(step === "R3" ? { deliveryStatus: "acknowledged", deliveredAt: addDays(TEST_TODAY, -36) } : {}),
    });
    await server.services.db.insert(actions).values({ id: uuidv7(), customerId: ext, initials: "BO", kind: "registered_letter", text: `LRAR ${step}`, happenedAt: at, data: { step, messageId } });
  }
});
afterAll(() => server.close());

const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);

async function customerId(ref: string): Promise<string> {
  const [c] = await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, ref));
  return c!.id;
}

const openCaseOf = async (ref: string) =>
  (await server.services.db.select().from(cases).where(and(eq(cases.customerId, await customerId(ref)), eq(cases.status, "open"))))[0];
const run = (asOf: string, dryRun = false) => runEngineDay(server.services.db, { asOf, dryRun, now: server.services.clock.now() });
const approvals = async (cookie: string) => (await call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie })).body.items;

describe("settings", () => {
  it("are read by everyone, changed by the office only, each value checked", async () => {
    const got = await call(server.url, "GET", "/api/settings", { cookie: floor });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(DEFAULT_SETTINGS);
    expect(got.body).toMatchObject({ sepaRejectFeeCents: 1500, latePenaltyRatePercent: 12.15, minBalanceCents: 0 });
    expect((await call(server.url, "PUT", "/api/settings", { cookie: floor, body: { sepaRejectFeeCents: 2500 } })).status).toBe(403);
    const bad = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { sepaRejectFeeCents: -1 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("sepaRejectFeeCents");
    const ok = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { sepaRejectFeeCents: 2500 } });
    expect(ok.body).toEqual({ ...DEFAULT_SETTINGS, sepaRejectFeeCents: 2500 });
  });

  it("a minimum balance keeps small debts out of the procedure", async () => {
    await call(server.url, "PUT", "/api/settings", { cookie: office, body: { minBalanceCents: 5000 } });
    expect((await run(TEST_TODAY, true)).plan.filter((l) => l.customer_ref === "MIN1")).toEqual([]);
    await call(server.url, "PUT", "/api/settings", { cookie: office, body: { minBalanceCents: 0 } });
    expect((await run(TEST_TODAY, true)).plan.filter((l) => l.customer_ref === "MIN1").length).toBeGreaterThan(0);
  });
});

describe("a SEPA reject", () => {
  it("bills the unpaid fee as set, once, for the office to enter in the billing software", async () => {
    await run(TEST_TODAY);
    const sep = await customerId("SEP1");
    const fees = await server.services.db.select().from(invoices).where(and(eq(invoices.customerId, sep), eq(invoices.kind, "fee")));
    expect(fees).toHaveLength(1);
    expect(fees[0]).toMatchObject({ amountCents: 2500, source: "cadenas", dueDate: addDays(TEST_TODAY, -17) });
    expect(fees[0]!.ref).toMatch(/^CAD-FR-[0-9A-F]{10}$/);
    await run(TEST_TODAY);
    expect(await server.services.db.select().from(invoices).where(and(eq(invoices.customerId, sep), eq(invoices.kind, "fee")))).toHaveLength(1);

    expect((await call(server.url, "GET", "/api/billing/to-enter", { cookie: floor })).status).toBe(403);
    const list = await call(server.url, "GET", "/api/billing/to-enter", { cookie: office });
    expect(list.body.items).toContainEqual(expect.objectContaining({ ref: fees[0]!.ref, kind: "fee", customerRef: "SEP1", amountCents: 2500, exportedAt: null }));
    const sheet = await fetch(`${server.url}/api/billing/to-enter.csv`, { headers: { cookie: office } });
    const bytes = new Uint8Array(await sheet.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    expect(sheet.headers.get("content-type")).toContain("text/csv");
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs to read UTF-8
    expect(text).toContain(`${fees[0]!.ref};frais;SEP1;Serge Pré;05/11/2026;25,00;;Frais d'impayé (prélèvement SEPA rejeté)`);
    // A name Excel would run as a formula comes out as text; the amount stays a number.
    await csv("customers", `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\nSEP1;person;"=HYPERLINK(""http://evil.example"";""Serge"")";s@x.test;0611223346;3 rue C;69007;Lyon;sepa;;0\n`);
    const neutralised = new TextDecoder().decode(new Uint8Array(await (await fetch(`${server.url}/api/billing/to-enter.csv`, { headers: { cookie: office } })).arrayBuffer()));
    expect(neutralised).toContain(`${fees[0]!.ref};frais;SEP1;"'=HYPERLINK(""http://evil.example"";""Serge"")";05/11/2026;25,00;`);
    await csv("customers", `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop\nSEP1;person;Serge Pré;s@x.test;0611223346;3 rue C;69007;Lyon;sepa;;0\n`);

    expect((await call(server.url, "POST", "/api/billing/to-enter/exported", { cookie: office, body: { refs: ["NOPE"] } })).status).toBe(404);
    expect((await call(server.url, "POST", "/api/billing/to-enter/exported", { cookie: office, body: { refs: [fees[0]!.ref] } })).body).toEqual({ marked: 1 });
    const after = await call(server.url, "GET", "/api/billing/to-enter", { cookie: office });
    expect(after.body.items.map((i: { ref: string }) => i.ref)).not.toContain(fees[0]!.ref);
    // Entered in the billing software and imported back under its ref: still the fee, not a second debt.
    await csv("invoices", `invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\n${fees[0]!.ref};SEP1;;05/11/2026;05/11/2026;25,00\n`);
    const back = await server.services.db.select().from(invoices).where(and(eq(invoices.customerId, sep), eq(invoices.kind, "fee")));
    expect(back).toHaveLength(1);
    const [line] = await server.services.db.select().from(actions).where(and(eq(actions.customerId, sep), eq(actions.kind, "fee")));
    expect(line!.text).toBe(`Frais d'impayé (prélèvement SEPA rejeté) : 25,00 €, facture ${fees[0]!.ref}`);
  });
});

describe("scenarios", () => {
  it("lists the six with their steps and customers; the floor may not change them", async () => {
    const { body } = await call<ScenariosResponse>(server.url, "GET", "/api/scenarios", { cookie: office });
    expect(body.scenarios.map((s) => s.code)).toEqual(["box", "standard", "standard-sans-email", "export", "grand-compte", "mauvais-payeur"]);
    expect(body.scenarios[0]!.customers).toBeGreaterThan(100);
    expect(body.templates).toContain("box-R1");
    const box = body.scenarios[0]!;
    expect((await call(server.url, "PUT", "/api/scenarios/box", { cookie: floor, body: { name: box.name, steps: box.steps } })).status).toBe(403);
  });

  it("refuses an unknown template, a removed step, a contract end without approval — naming each", async () => {
    const box = (await call<ScenariosResponse>(server.url, "GET", "/api/scenarios", { cookie: office })).body.scenarios[0]!;
    const steps = structuredClone(box.steps);
    const r1 = steps.find((s) => s.code === "R1")!;
    r1.actions = [{ action: "message", channel: "email", template: "inconnu" }];
    steps.find((s) => s.code === "exit")!.needsApproval = false;
    const res = await call(server.url, "PUT", "/api/scenarios/box", { cookie: office, body: { name: box.name, steps: steps.filter((s) => s.code !== "reminder") } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("modèle inconnu « inconnu »");
    expect(res.body.error.message).toContain("reminder ne peut pas être supprimée");
    expect(res.body.error.message).toContain("fin de contrat demande l'accord du Manager");
    const shape = await call(server.url, "PUT", "/api/scenarios/box", { cookie: office, body: { name: box.name, steps: [{ ...box.steps[0], when: { from: "later" } }] } });
    expect(shape.status).toBe(400);
    expect(JSON.stringify(shape.body.error.details)).toContain("steps.0.when.from");
  });

  it("saves an edit, which the next run follows", async () => {
    const std = (await call<ScenariosResponse>(server.url, "GET", "/api/scenarios", { cookie: office })).body.scenarios.find((s) => s.code === "standard")!;
    const steps = structuredClone(std.steps);
    steps.find((s) => s.code === "R1")!.when.days = 10;
    const res = await call(server.url, "PUT", "/api/scenarios/standard", { cookie: manager, body: { name: "Standard (modifié)", steps } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.name).toBe("Standard (modifié)");
    // A "standard" customer whose rent fell due on 16 November: R1 on the 26th now, not the 24th.
    await csv("customers", "customer_ref;kind;name;payment_method;segment\nSTD1;person;Stan Dard;transfer;standard\n");
    await csv("contracts", "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date\nCSTD1;STD1;LYO;Z906;100,00;16/01/2026\n");
    await csv("invoices", "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFSTD1-11;STD1;CSTD1;09/11/2026;16/11/2026;100,00\n");
    const r1 = async (asOf: string) => (await run(asOf, true)).plan.find((l) => l.customer_ref === "STD1" && l.step === "R1");
    expect(await r1(addDays(TEST_TODAY, 3))).toBeUndefined();
    expect((await r1(addDays(TEST_TODAY, 4)))?.date).toBe(addDays(TEST_TODAY, 4));
  });
});

describe("a payment plan", () => {
  const path = async () => `/api/customers/${await customerId("PLN1")}/payment-plans`;

  it("is refused with dates past or out of order, and to the floor", async () => {
    const past = await call(server.url, "POST", await path(), { cookie: office, body: { instalments: [{ dueOn: addDays(TEST_TODAY, -21), amountCents: 10000 }] } });
    expect(past.status).toBe(400);
    expect(past.body.error.details.issues[0].path).toBe("instalments.0.dueOn");
    const order = await call(server.url, "POST", await path(), {
      cookie: office,
      body: { instalments: [{ dueOn: addDays(TEST_TODAY, 23), amountCents: 10000 }, { dueOn: addDays(TEST_TODAY, 9), amountCents: 10000 }] },
    });
    expect(order.status).toBe(400);
    expect(order.body.error.message).toContain("L'échéance 2 doit suivre la précédente");
    expect((await call(server.url, "POST", await path(), { cookie: floor, body: { instalments: [{ dueOn: addDays(TEST_TODAY, 9), amountCents: 10000 }] } })).status).toBe(403);
  });

  it("pauses the reminders while its instalments are paid; noted in the history", async () => {
    const before = (await run(addDays(TEST_TODAY, 18), true)).plan.filter((l) => l.customer_ref === "PLN1");
    expect(before.length).toBeGreaterThan(0);
    const res = await call(server.url, "POST", await path(), {
      cookie: office,
      body: { instalments: [{ dueOn: addDays(TEST_TODAY, 23), amountCents: 15000 }, { dueOn: addDays(TEST_TODAY, 54), amountCents: 15000 }], note: "Accord au téléphone" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ agreedOn: TEST_TODAY, totalCents: 30000, balanceCents: 30000 });
    const paused = (await run(addDays(TEST_TODAY, 18), true)).plan.filter((l) => l.customer_ref === "PLN1" && l.date > TEST_TODAY);
    expect(paused).toEqual([]);
    // The first instalment missed: the reminders resume.
    expect((await run(addDays(TEST_TODAY, 28), true)).plan.filter((l) => l.customer_ref === "PLN1" && l.date > TEST_TODAY).length).toBeGreaterThan(0);
    const [line] = await server.services.db.select().from(actions).where(and(eq(actions.customerId, await customerId("PLN1")), eq(actions.kind, "payment_plan")));
    expect(line!.text).toContain("Échéancier accordé : 2 échéances (150,00 € le 15/12, 150,00 € le 15/01)");
  });
});

describe("a debt written off", () => {
  it("is the Manager's: the case closes written off, the padlock comes off, no thanks", async () => {
    await run(TEST_TODAY);
    const kase = await openCaseOf("WOF1");
    expect(kase).toBeDefined();
    const path = `/api/cases/${kase!.id}/close`;
    expect((await call(server.url, "POST", path, { cookie: office, body: { reason: "write_off", note: "Client introuvable" } })).status).toBe(403);
    expect((await call(server.url, "POST", path, { cookie: manager, body: { reason: "write_off", note: "" } })).status).toBe(400);
    const res = await call(server.url, "POST", path, { cookie: manager, body: { reason: "write_off", note: "Client introuvable, montant trop faible pour l'huissier" } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ caseId: kase!.id, status: "written_off", closedOn: TEST_TODAY, amountCents: 10000 });
    const db = server.services.db;
    const credit = await db.select().from(invoices).where(and(eq(invoices.customerId, kase!.customerId), eq(invoices.kind, "write_off")));
    expect(credit).toHaveLength(1);
    expect(credit[0]).toMatchObject({ amountCents: -10000, source: "cadenas", label: "Client introuvable, montant trop faible pour l'huissier" });
    // The padlock comes off on the next working day (the 22nd is a Sunday), as after a payment.
    await run(addDays(TEST_TODAY, 1));
    const open = await db.select().from(tasks).where(and(eq(tasks.customerId, kase!.customerId), eq(tasks.status, "open")));
    expect(open.map((t) => t.kind).sort()).toEqual(["gate_restore", "padlock_remove"]);
    const debtor = await call(server.url, "GET", `/api/debtors/${kase!.customerId}`, { cookie: manager });
    expect(debtor.body.balanceCents).toBe(0);
    // Days later: no thanks for a debt given up, and the case stays closed.
    const later = (await run(addDays(TEST_TODAY, 13), true)).plan.filter((l) => l.customer_ref === "WOF1");
    expect(later).toEqual([]);
    expect((await call(server.url, "POST", path, { cookie: manager, body: { reason: "write_off", note: "encore" } })).status).toBe(409);
  });
});

describe("a contract ended", () => {
  it("cannot be filed before the exit; the exit calls for credit notes, the Manager's; then filed, the debt handed over", async () => {
    await run(TEST_TODAY);
    const kase = await openCaseOf("EXT1");
    expect(kase).toBeDefined();
    const close = (cookie: string) => call(server.url, "POST", `/api/cases/${kase!.id}/close`, { cookie, body: { reason: "contract_ended", note: "Dossier transmis à l'huissier" } });
    const early = await close(office);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain("la sortie (étape « exit ») doit d'abord être validée par le Manager");

    const exit = (await approvals(manager)).find((i) => i.customerRef === "EXT1" && i.step === "exit")!;
    expect(exit.decidedBy).toBe("manager");
    expect((await call(server.url, "POST", "/api/approvals", { cookie: manager, body: { decision: "approve", ids: exit.actions.map((a) => a.id) } })).status).toBe(200);
    // Ended on 31 October: the invoices of November and December are to be credited — the Manager decides.
    const credit = (await approvals(office)).find((i) => i.customerRef === "EXT1" && i.actions.some((a) => a.action === "credit_note"))!;
    expect(credit.decidedBy).toBe("manager");
    expect(credit.actions[0]).toMatchObject({ action: "credit_note", amountCents: 20000, invoices: ["FEXT1-11", "FEXT1-12"] });
    const ids = credit.actions.map((a) => a.id);
    expect((await call(server.url, "POST", "/api/approvals", { cookie: office, body: { decision: "approve", ids } })).status).toBe(403);
    expect((await call(server.url, "POST", "/api/approvals", { cookie: manager, body: { decision: "approve", ids } })).status).toBe(200);
    const db = server.services.db;
    const notes = await db.select().from(invoices).where(and(eq(invoices.customerId, kase!.customerId), eq(invoices.kind, "credit_note")));
    expect(notes.map((n) => n.amountCents)).toEqual([-10000, -10000]);
    const debtor = await call(server.url, "GET", `/api/debtors/${kase!.customerId}`, { cookie: manager });
    expect(debtor.body.balanceCents).toBe(20000);
    const history = await db.select().from(actions).where(and(eq(actions.customerId, kase!.customerId), eq(actions.kind, "credit_note")));
    expect(history[0]!.text).toBe("Avoirs sur FEXT1-11, FEXT1-12 : 200,00 € (accord Manager)");
    expect(history[0]!.initials).toBe("MG");

    const filed = await close(office);
    expect(filed.status, JSON.stringify(filed.body)).toBe(200);
    expect(filed.body).toMatchObject({ status: "contract_ended", amountCents: 20000 });
    // The box is still to be opened; the procedure plans nothing more for this debt.
    const open = await db.select().from(tasks).where(and(eq(tasks.customerId, kase!.customerId), eq(tasks.status, "open")));
    expect(open.map((t) => t.kind)).toContain("open_box");
    expect((await run(addDays(TEST_TODAY, 28))).plan.filter((l) => l.customer_ref === "EXT1")).toEqual([]);
    expect(await openCaseOf("EXT1")).toBeUndefined();
    const waiting = await db.select().from(plannedActions).where(and(eq(plannedActions.caseId, kase!.id), eq(plannedActions.status, "awaiting_approval")));
    expect(waiting).toEqual([]);
  });
});
