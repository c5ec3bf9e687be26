import { addDays } from "../../shared/dates";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { scenarios } from "../../server/engine/engine.sql";
import { loadScenarios } from "../../server/engine/facts";
import { runEngineDay } from "../../server/engine/run";
import { renderLetterPdf } from "../../server/messaging/letter-pdf";
import { messages } from "../../server/messaging/messaging.sql";
import { letterReceipts } from "../../server/messaging/receipts";
import { DEFAULT_SCENARIOS, EXIT_WHEN } from "../../shared/engine/scenarios";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import { call, importThroughRoute, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The end of a box contract as the law has it (LAW.md): the formal notice names the termination clause and gives
// eight days from its receipt; a registered letter counts as received on its AR or on the day it came back
// unclaimed; the exit falls at the end of the month in which those eight days passed, and sends the termination
// notice by registered letter, with thirty days from its receipt to collect the goods.

let server: TestServer;
let office: string;
let manager: string;
const R3_SENT = "2026-10-15T09:00:00.000Z";
/** The R3 came back unclaimed nine days after it was sent. */
const UNCLAIMED_ON = addDays(R3_SENT.slice(0, 10), 9);

beforeAll(async () => {
  server = await startTestServer();
  [office, manager] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test")]);
  const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
  await csv(
    "customers",
    `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method
TAR1;person;Armand Reçu;a@x.test;0611220001;3 rue de la Poste;69003;Lyon;transfer
TUN1;person;Ursule Absente;u@x.test;0611220002;4 rue de la Poste;69003;Lyon;transfer
TNO1;person;Noé Attente;n@x.test;0611220003;5 rue de la Poste;69003;Lyon;transfer
`,
  );
  await csv(
    "contracts",
    `contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date
CTAR1;TAR1;LYO;T801;100,00;01/01/2026
CTUN1;TUN1;LYO;T802;100,00;01/01/2026
CTNO1;TNO1;LYO;T803;100,00;01/01/2026
`,
  );
  const rents = (ref: string) =>
    [
      ["9", "25/08/2026", "01/09/2026"],
      ["10", "25/09/2026", "01/10/2026"],
      ["11", "25/10/2026", "02/11/2026"],
      ["12", "20/11/2026", "01/12/2026"],
    ]
      .map(([month, issued, due]) => `F${ref}-${month};${ref};C${ref};${issued};${due};100,00`)
      .join("\n");
  await csv("invoices", `invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\n${rents("TAR1")}\n${rents("TUN1")}\n${rents("TNO1")}\n`);
  // Rent due 1 September, never paid: the R2 letter went on 1 October and the R3 formal notice on 15 October, by
  // registered mail, for the three of them (posted by the office; issue 5).
  for (const ref of ["TAR1", "TUN1", "TNO1"]) {
    const customerId = await idOf(ref);
    for (const [step, at] of [
      ["R2", "2026-10-01T09:00:00.000Z"],
      ["R3", R3_SENT],
    ] as const) {
      const messageId = uuidv7();
      await server.services.db.insert(messages).values({
        id: messageId,
        customerId,
        channel: "registered_letter",
        stepCode: step,
        templateCode: `box-${step}`,
        recipient: ref,
        body: `LRAR ${step}`,
        status: "sent",
        sentAt: at,
        providerId: `1A${ref}${step}0001`,
        idempotencyKey: `test:${customerId}|${step}`,
      });
      await server.services.db.insert(actions).values({ id: uuidv7(), customerId, initials: "BO", kind: "registered_letter", text: `LRAR ${step}`, happenedAt: at, data: { step, messageId } });
    }
  }
});
afterAll(() => server.close());

async function idOf(ref: string): Promise<string> {
  const [c] = await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, ref));
  return c!.id;
}
async function r3Of(ref: string) {
  const [m] = await server.services.db
    .select()
    .from(messages)
    .where(and(eq(messages.customerId, await idOf(ref)), eq(messages.stepCode, "R3"), eq(messages.channel, "registered_letter")));
  return m!;
}
const plan = async (asOf: string) => (await runEngineDay(server.services.db, { asOf, dryRun: true, now: server.services.clock.now() })).plan;
const exitDates = (lines: Awaited<ReturnType<typeof plan>>, ref: string) => [...new Set(lines.filter((l) => l.customer_ref === ref && l.step === "exit").map((l) => l.date))];
const approvals = async (cookie: string) => (await call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie })).body.items;
const pdfText = (pdf: Uint8Array) => {
  const file = join(server.dir, `letter-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
};
const flat = (text: string) => text.replace(/\s+/g, " ");

describe("what came back of a registered letter", () => {
  it("records a letter back unclaimed like an AR: its day is the receipt, the history says so, once only", async () => {
    const r3 = await r3Of("TUN1");
    const early = await call(server.url, "POST", `/api/letters/${r3.id}/unclaimed`, { cookie: office, body: { receivedOn: "2026-10-10" } });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toBe("Le pli ne peut pas revenir avant son envoi.");
    expect((await call(server.url, "POST", `/api/letters/${r3.id}/unclaimed`, { cookie: office, body: { receivedOn: addDays(TEST_TODAY, 8) } })).status).toBe(400);
    expect((await call(server.url, "POST", `/api/letters/${r3.id}/unclaimed`, { cookie: manager, body: { receivedOn: UNCLAIMED_ON } })).status).toBe(200);

    const back = await call(server.url, "POST", `/api/letters/${r3.id}/acknowledged`, { cookie: office, body: { outcome: "unclaimed", receivedOn: UNCLAIMED_ON, photoSha256: "b".repeat(64) } });
    expect(back.status).toBe(409); // recorded once: the Manager did it above
    const listed = await call(server.url, "GET", `/api/messages/${r3.id}`, { cookie: office });
    expect(listed.body).toMatchObject({ deliveryStatus: "unclaimed", deliveredAt: UNCLAIMED_ON });
    const notes = await server.services.db.select().from(actions).where(and(eq(actions.customerId, r3.customerId!), eq(actions.kind, "note")));
    expect(notes.map((n) => n.text)).toEqual(["Pli avisé et non réclamé, revenu le 24/10/2026 (LRAR R3 n° 1ATUN1R30001)"]);
    expect(notes[0]!.data).toMatchObject({ messageId: r3.id, outcome: "unclaimed", receivedOn: UNCLAIMED_ON, step: "R3" });
  });

  it("records an AR with the body it always had (the outcome defaults to acknowledged); both count as receipts", async () => {
    const r3 = await r3Of("TAR1");
    const ar = await call(server.url, "POST", `/api/letters/${r3.id}/acknowledged`, { cookie: office, body: { receivedOn: "2026-10-17" } });
    expect(ar.status, JSON.stringify(ar.body)).toBe(200);
    expect(ar.body).toMatchObject({ deliveryStatus: "acknowledged", deliveredAt: "2026-10-17" });
    const receipts = await letterReceipts(server.services.db, [await idOf("TAR1"), await idOf("TUN1"), await idOf("TNO1")], ["R3"]);
    expect(receipts.map((r) => [r.outcome, r.receivedOn])).toEqual([
      ["acknowledged", "2026-10-17"],
      ["unclaimed", UNCLAIMED_ON],
    ]);
  });
});

describe("the exit, counted from R3's receipt", () => {
  it("falls at the end of the month in which the 8 days from the AR or the unclaimed return passed; without a receipt, never", async () => {
    const today = await plan(TEST_TODAY);
    // AR 17 October → the 8 days run to the 25th → exit Saturday 31 October.
    expect(exitDates(today, "TAR1")).toEqual(["2026-10-31"]);
    // Back unclaimed 24 October → the 8 days run to 1 November → exit 30 November: not yet.
    expect(exitDates(today, "TUN1")).toEqual([]);
    expect(exitDates(await plan("2026-11-30"), "TUN1")).toEqual(["2026-11-30"]);
    // No receipt recorded: the plan (as `npm run engine -- --json` prints it) leaves the exit out, however late.
    expect(exitDates(await plan("2027-01-31"), "TNO1")).toEqual([]);
    expect((await plan("2027-01-31")).filter((l) => l.customer_ref === "TNO1").map((l) => l.step)).toContain("R3");
  });

  it("carried out by the Manager, sends the termination notice by registered letter and proposes credit notes for what was billed after the end", async () => {
    await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
    const exit = (await approvals(manager)).find((i) => i.customerRef === "TAR1" && i.step === "exit")!;
    expect(exit.decidedBy).toBe("manager");
    expect(exit.actions.map((a) => [a.action, a.channel])).toEqual([
      ["contract_end", null],
      ["approval", null],
      ["message", "registered_letter"],
      ["message", "letter"],
      ["task", "open_box"],
    ]);
    expect((await call(server.url, "POST", "/api/approvals", { cookie: office, body: { decision: "approve", ids: exit.actions.map((a) => a.id) } })).status).toBe(403);
    expect((await call(server.url, "POST", "/api/approvals", { cookie: manager, body: { decision: "approve", ids: exit.actions.map((a) => a.id) } })).status).toBe(200);

    const customerId = await idOf("TAR1");
    const notices = await server.services.db.select().from(messages).where(and(eq(messages.customerId, customerId), eq(messages.stepCode, "exit")));
    expect(notices.map((m) => [m.channel, m.templateCode, m.status, m.purpose]).sort()).toEqual([
      ["letter", "box-termination", "queued", "notice"],
      ["registered_letter", "box-termination", "queued", "notice"],
    ]);
    const registered = notices.find((m) => m.channel === "registered_letter")!;
    expect(registered.letter!.copies).toEqual(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]);
    const text = pdfText(await renderLetterPdf([registered.letter!]));
    writeFileSync(join(server.dir, "termination.pdf"), await renderLetterPdf([registered.letter!]));
    const pages = text.split("\f").filter((p) => p.trim());
    expect(pages.map((p) => /Exemplaire : ([^\n—]+)/.exec(p)?.[1]?.trim()).filter(Boolean)).toEqual(expect.arrayContaining(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]));
    const all = flat(text);
    for (const words of [
      "Lettre recommandée avec accusé de réception",
      "Notification de la résolution de votre contrat de location",
      "Nous vous notifions donc par la présente la résolution de votre contrat de location pour défaut de paiement des loyers",
      "conformément à la clause résolutoire de votre contrat et aux articles 1225 et 1226 du Code civil",
      "Le contrat prend fin le 31 octobre 2026",
      // What fell due while it ran (September and October); November's and December's go to the credit notes.
      "FTAR1-9",
      "FTAR1-10",
      "Total dû : 200,00 €",
      "trente jours à compter de la réception de la présente",
      "en présence d'un commissaire de justice",
      "conservé pendant quatre-vingt-dix jours",
      "une décision de justice",
    ])
      expect(all, words).toContain(words);
    expect(all).not.toContain("FTAR1-11");

    const credit = (await approvals(manager)).find((i) => i.customerRef === "TAR1" && i.actions.some((a) => a.action === "credit_note"))!;
    expect(credit.actions[0]).toMatchObject({ action: "credit_note", amountCents: 20_000, invoices: ["FTAR1-11", "FTAR1-12"] });
  });
});

describe("the R3 formal notice", () => {
  it("names the operator's termination clause and gives eight days from its receipt, never a computed date", async () => {
    const saved = await call(server.url, "PUT", "/api/settings", { cookie: office, body: { terminationClause: "l'article 12 de nos conditions générales de location" } });
    expect(saved.status).toBe(200);
    expect(saved.body.terminationClause).toBe("l'article 12 de nos conditions générales de location");
    expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { terminationClause: "" } })).status).toBe(400);
    const r3 = (await approvals(office)).find((i) => i.customerRef === "TNO1" && i.step === "R3")!;
    expect((await call(server.url, "POST", "/api/approvals", { cookie: office, body: { decision: "approve", ids: r3.actions.map((a) => a.id) } })).status).toBe(200);
    const [letter] = await server.services.db
      .select()
      .from(messages)
      .where(and(eq(messages.customerId, await idOf("TNO1")), eq(messages.stepCode, "R3"), eq(messages.channel, "registered_letter"), eq(messages.status, "queued")));
    const pdf = await renderLetterPdf([letter!.letter!]);
    writeFileSync(join(server.dir, "r3.pdf"), pdf);
    const first = flat(pdfText(pdf).split("\f")[0]!);
    for (const words of [
      "MISE EN DEMEURE",
      "dans un délai de huit jours à compter de la réception de la présente",
      "nous entendons nous prévaloir de la clause résolutoire : conformément à l'article 12 de nos conditions générales de location, votre contrat de location sera résolu de plein droit (article 1225 du Code civil)",
    ])
      expect(first, words).toContain(words);
    // Its last paragraph stays with the signature, on the next page when the first is full.
    expect(flat(pdfText(pdf))).toContain("1344 du Code civil");
    expect(first).not.toMatch(/au plus tard le \d/);
  });
});

describe("a box scenario saved before exits counted from the receipt", () => {
  it("is read with the exit counted from R3's receipt and the termination notice, the operator's other choices kept", async () => {
    const box = structuredClone(DEFAULT_SCENARIOS.find((s) => s.code === "box")!);
    const exit = box.steps.find((s) => s.code === "exit")!;
    exit.when = { from: "due", months: 1, endOfMonth: true, shift: "previous" };
    exit.actions = exit.actions.filter((a) => a.action !== "message");
    box.steps.find((s) => s.code === "reminder")!.enabled = false;
    await loadScenarios(server.services.db);
    await server.services.db.update(scenarios).set({ steps: box.steps }).where(eq(scenarios.code, "box"));
    const read = (await loadScenarios(server.services.db)).get("box")!;
    expect(read.steps.find((s) => s.code === "exit")).toMatchObject({ when: EXIT_WHEN, actions: DEFAULT_SCENARIOS.find((s) => s.code === "box")!.steps.find((s) => s.code === "exit")!.actions });
    expect(read.steps.find((s) => s.code === "reminder")!.enabled).toBe(false);
  });
});
