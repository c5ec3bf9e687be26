import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { compose, type Addressee } from "../../server/messaging/compose";
import { renderLetterPdf } from "../../server/messaging/letter-pdf";
import { messages } from "../../server/messaging/messaging.sql";
import { runEngineDay } from "../../server/engine/run";
import { DEFAULT_TEMPLATES } from "../../shared/messaging/templates";
import { addDays } from "../../shared/dates";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer, importThroughRoute } from "../support/server";

// Letters: the formal notice read back from its PDF (poppler's pdftotext, with word positions for the envelope
// window), templates edited and previewed, the day's letters printed, posted with their tracking numbers — which
// lets the scenario go on — and the acknowledgement of receipt recorded.

let server: TestServer;
let office: string;
beforeAll(async () => {
  server = await startTestServer();
  office = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

const pdfText = (pdf: Uint8Array, args: string[] = []) => {
  const file = join(server.dir, `letter-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", [...args, file, "-"], { encoding: "utf8" });
};

const person: Addressee = {
  customerId: "c",
  ref: "CL1003",
  name: "Athanasie Fernandez",
  email: "a@exemple.test",
  phone: "06 12 34 56 78",
  address: ["Athanasie Fernandez", "12 rue des Lilas", "69007 Lyon"],
  boxes: ["B312"],
  site: { id: "s", name: "Lyon Gerland", address: "40 avenue Tony Garnier, 69007 Lyon", city: "Lyon", phone: "04 78 00 00 00" },
  invoices: [
    { ref: "F2026-00010", dueDate: "2026-09-01", remainingCents: 15_900 },
    { ref: "F2026-00011", dueDate: "2026-10-01", remainingCents: 15_900 },
  ],
  balanceCents: 31_800,
};

describe("the R3 formal notice as a PDF", () => {
  it("reads as a French formal notice, in three copies, the address in the envelope window", async () => {
    const r3 = compose(DEFAULT_TEMPLATES.find((t) => t.code === "box-R3")!, "registered_letter", person, addDays(TEST_TODAY, 1))!;
    const pdf = await renderLetterPdf([r3.letter!]);
    const text = pdfText(pdf, ["-layout"]);
    const pages = text.split("\f").filter((p) => p.trim());
    expect(pages).toHaveLength(3);
    const first = pages[0]!;
    for (const words of [
      "Lyon Gerland",
      "Athanasie Fernandez",
      "12 rue des Lilas",
      "69007 Lyon",
      "Lyon, le 23 novembre 2026",
      "MISE EN DEMEURE",
      "Lettre recommandée avec accusé de réception",
      "Objet : Mise en demeure de payer",
      "F2026-00010",
      "01/09/2026",
      "Total dû : 318,00 €",
      "dans un délai de huit jours à compter de la réception de la présente",
      "conformément à la clause résolutoire de votre contrat",
      "résolu de plein droit (article 1225 du Code civil)",
      "dernière relance",
      "commissaire de justice",
      "1344 du Code civil",
      // Signed with a name (the site's, when it has no signatory), never "L'équipe de …"; then the privacy notice.
      "Lyon Gerland Vos données personnelles : Lyon Gerland les traite",
    ])
      expect(first.replace(/\s+/g, " "), words).toContain(words);
    expect(first).not.toContain("L'équipe de");
    // No recovery fee announced to a person (CPCE L111-8).
    expect(first).not.toMatch(/frais de recouvrement|indemnité forfaitaire/);
    expect(pages.map((p) => /Exemplaire : ([^\n—]+)/.exec(p)?.[1]?.trim())).toEqual(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]);
    // The address block where a French window envelope shows it: 100+ mm from the left, 45–75 mm from the top.
    const bbox = pdfText(pdf, ["-bbox", "-f", "1", "-l", "1"]);
    const word = /<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Athanasie<\/word>/.exec(bbox)!;
    const mm = (pt: string) => (Number(pt) * 25.4) / 72;
    expect(mm(word[1]!)).toBeGreaterThan(100);
    expect(mm(word[2]!)).toBeGreaterThan(45);
    expect(mm(word[2]!)).toBeLessThan(75);
  });
});

describe("templates", () => {
  it("refuses an unknown variable at save time, naming it; previews with a real customer", async () => {
    const bad = await call(server.url, "PUT", "/api/templates/box-reminder-sms", { cookie: office, body: { label: "Rappel", sms: { body: "Payez {{montant}} svp" } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("SMS : variable inconnue {{montant}}");
    // An SMS never shows the amount: a lock screen is seen by others.
    const amount = await call(server.url, "PUT", "/api/templates/box-reminder-sms", { cookie: office, body: { label: "Rappel", sms: { body: "{{site}} : {{solde}} dus pour le box {{box}}." } } });
    expect(amount.status).toBe(400);
    expect(amount.body.error.message).toContain("pas de {{solde}}");
    const ok = await call(server.url, "PUT", "/api/templates/box-reminder-sms", { cookie: office, body: { label: "Rappel", sms: { body: "{{site}} : un règlement est attendu pour le box {{box}}. Merci de régulariser." } } });
    expect(ok.status).toBe(200);
    expect(ok.body.templates.find((t: { code: string }) => t.code === "box-reminder-sms").customized).toBe(true);
    const [c] = await server.services.db.select().from(customers).where(eq(customers.ref, "CL1003"));
    const preview = await call(server.url, "GET", `/api/templates/box-reminder-sms/preview?customerId=${c!.id}&channel=sms`, { cookie: office });
    expect(preview.status).toBe(200);
    expect(preview.body.body).toMatch(/^Cadenas Self-Stockage Lyon Gerland : un règlement est attendu pour le box /);
    expect(preview.body.sms).toMatchObject({ encoding: "GSM-7", segments: 1 });
    const letter = await call(server.url, "GET", `/api/templates/box-R3/preview?customerId=${c!.id}&channel=registered_letter`, { cookie: office });
    expect(letter.body.pdf).toContain("/preview.pdf");
    const res = await fetch(`${server.url}${letter.body.pdf}`, { headers: { cookie: office } });
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    expect((await call(server.url, "GET", `/api/templates/box-R3/preview?customerId=${c!.id}&channel=sms`, { cookie: office })).status).toBe(404);
  });
});

describe("a registered letter", () => {
  it("is printed with the day's letters, posted with its tracking number — then the scenario goes on — and its AR recorded", async () => {
    const db = server.services.db;
    const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
    await csv("customers", "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method\nLRA1;person;Rémi Lettre;remi@x.test;0611223399;5 place Bellecour;69002;Lyon;cheque\n");
    await csv("contracts", "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date\nCLRA1;LRA1;LYO;X901;120,00;07/01/2026\n");
    await csv("invoices", "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFLRA1;LRA1;CLRA1;31/08/2026;07/09/2026;120,00\n");
    // Due 7 September: R2 (registered) fell due on 7 October and waits for approval; R3 waits for the R2 letter.
    await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
    const items = (await call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie: office })).body.items.filter((i) => i.customerRef === "LRA1");
    const r2 = items.find((i) => i.step === "R2")!;

    expect(items.map((i) => i.step)).not.toContain("R3");
    expect((await call(server.url, "POST", "/api/approvals", { cookie: office, body: { decision: "approve", ids: r2.actions.map((a) => a.id) } })).status).toBe(200);
    const queued = await db.select().from(messages).where(and(eq(messages.customerId, r2.customerId), eq(messages.stepCode, "R2")));
    expect(queued.map((m) => m.channel).sort()).toEqual(["email", "letter", "registered_letter"]);

    const printed = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: {} });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    const batch = await fetch(`${server.url}${printed.body.batch.pdf}`, { headers: { cookie: office } });
    expect(batch.status).toBe(200);
    const pages = pdfText(new Uint8Array(await batch.arrayBuffer())).split("\f").filter((p) => p.includes("Rémi Lettre"));
    // The registered letter in its 3 copies, the step's simple letter being the second: no fourth.
    expect(pages).toHaveLength(3);

    const registered = queued.find((m) => m.channel === "registered_letter")!;
    const simple = queued.find((m) => m.channel === "letter")!;
    const missing = await call(server.url, "POST", "/api/letters/posted", { cookie: office, body: { letters: [{ id: registered.id }, { id: simple.id }] } });
    expect(missing.status).toBe(409);
    expect(missing.body.error.message).toContain("numéro de suivi de la lettre recommandée manquant");
    const posted = await call(server.url, "POST", "/api/letters/posted", { cookie: office, body: { letters: [{ id: registered.id, trackingNumber: "1a23456789012" }, { id: simple.id }] } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.items.find((i: { id: string }) => i.id === registered.id)).toMatchObject({ status: "sent", trackingNumber: "1A23456789012" });
    const lrar = await db.select().from(actions).where(and(eq(actions.customerId, r2.customerId), eq(actions.kind, "registered_letter")));
    expect(lrar[0]!.data).toMatchObject({ step: "R2", trackingNumber: "1A23456789012" });

    // The R2 letter recorded: the formal notice may come.
    await runEngineDay(db, { asOf: addDays(TEST_TODAY, 2), dryRun: false, now: server.services.clock.now() });
    const after = (await call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie: office })).body.items.filter((i) => i.customerRef === "LRA1");
    expect(after.map((i) => i.step)).toContain("R3");

    const early = await call(server.url, "POST", `/api/letters/${registered.id}/acknowledged`, { cookie: office, body: { receivedOn: "2026-01-01" } });
    expect(early.status).toBe(400);
    // Posted today, its AR signed today (a day to come is refused: the AR is what came back).
    const ar = await call(server.url, "POST", `/api/letters/${registered.id}/acknowledged`, { cookie: office, body: { receivedOn: TEST_TODAY, photoSha256: "a".repeat(64) } });
    expect(ar.status).toBe(200);
    expect(ar.body).toMatchObject({ deliveryStatus: "acknowledged", deliveredAt: TEST_TODAY });
    expect((await call(server.url, "POST", `/api/letters/${simple.id}/acknowledged`, { cookie: office, body: { receivedOn: TEST_TODAY } })).status).toBe(409);
  });
});
