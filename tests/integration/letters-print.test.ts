import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customers } from "../../server/customers/customers.sql";
import { runEngineDay } from "../../server/engine/run";
import { renderLetterPdf } from "../../server/messaging/letter-pdf";
import { storedLetterPdf } from "../../server/messaging/letters";
import { letterBatches, letterPrints } from "../../server/messaging/letters.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { addDays, formatDateFr } from "../../shared/dates";
import type { LetterContent } from "../../shared/messaging/compose";
import type { ApprovalsResponse } from "../../shared/schemas/approvals";
import type { PrintResponse } from "../../shared/schemas/messages";
import { call, importThroughRoute, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// Printing letters for posting: a POST that checks each letter, dates it the day it is printed, renders it in the
// copies its channel prints (each marked with its channel, never "recommandée" on a simple letter) and stores the
// PDF; downloads read the stored file and change nothing. Read back with poppler's pdftotext.

let server: TestServer;
let office: string;
let dir: string;
const ids: Record<"registered" | "simple" | "standardR5" | "exportR5" | "stopped" | "dated", string> = {} as never;

beforeAll(async () => {
  server = await startTestServer();
  dir = server.dir;
  office = await signIn(server.url, "bureau@demo.test");
  const db = server.services.db;
  const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
  await csv(
    "customers",
    "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method\n" +
      "PRT1;person;Paul Imprimé;paul@x.test;0611223301;7 rue Cavenne;69007;Lyon;cheque\n" +
      "PRT2;person;Émilie Étienne;;0611223302;3 rue Michelet;42000;Saint-Étienne;cheque\n" +
      "PRT3;person;Sacha Stop;;0611223303;9 rue Garibaldi;69003;Lyon;cheque\n",
  );
  await csv(
    "contracts",
    "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date\nCPRT1;PRT1;LYO;X9P1;120,00;07/01/2026\nCPRT2;PRT2;LYO;X9P2;90,00;01/01/2026\nCPRT3;PRT3;LYO;X9P3;80,00;01/01/2026\n",
  );
  await csv(
    "invoices",
    "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFPRT1;PRT1;CPRT1;31/08/2026;07/09/2026;120,00\nFPRT2;PRT2;CPRT2;25/09/2026;01/10/2026;90,00\nFPRT3;PRT3;CPRT3;25/09/2026;01/10/2026;80,00\n",
  );
  // PRT1: the R2 step (a registered letter and the same letter by simple post), approved by the office.
  await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
  const items = (await call<ApprovalsResponse>(server.url, "GET", "/api/approvals", { cookie: office })).body.items.filter((i) => i.customerRef === "PRT1");
  const r2 = items.find((i) => i.step === "R2")!;
  expect((await call(server.url, "POST", "/api/approvals", { cookie: office, body: { decision: "approve", ids: r2.actions.map((a) => a.id) } })).status).toBe(200);
  const pair = await db.select().from(messages).where(and(eq(messages.customerId, r2.customerId), eq(messages.stepCode, "R2")));
  ids.registered = pair.find((m) => m.channel === "registered_letter")!.id;
  ids.simple = pair.find((m) => m.channel === "letter")!.id;
  // PRT2: the "last letters" of the standard and export scenarios, formal notices sent by simple post.
  const people = new Map((await db.select().from(customers).where(inArray(customers.ref, ["PRT2", "PRT3"]))).map((c) => [c.ref, c.id]));
  const queue = (customerId: string, template: string, key: string) =>
    db.transaction((tx) => queueMessages(tx, [{ customerId, caseId: null, plannedActionId: key, key, step: "R5", template, channel: "letter", purpose: "reminder" }], TEST_TODAY));
  await queue(people.get("PRT2")!, "standard-R5", "print|standard-R5");
  await queue(people.get("PRT2")!, "export-R5", "print|export-R5");
  await queue(people.get("PRT3")!, "standard-R4", "print|stopped");
  // A letter whose text has the day's variables: the date, and the deadline counted from it.
  const template = { label: "Test — datée", letter: { subject: "Relance du {{date}}", body: "Madame, Monsieur,\n\nMerci de régler avant le {{echeance}}.\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées." } };
  expect((await call(server.url, "PUT", "/api/templates/test-datee", { cookie: office, body: template })).status).toBe(200);
  await queue(people.get("PRT2")!, "test-datee", "print|dated");
  const key = (k: string) => db.select({ id: messages.id }).from(messages).where(eq(messages.idempotencyKey, k));
  ids.standardR5 = (await key(`engine:${people.get("PRT2")}|print|standard-R5`))[0]!.id;
  ids.exportR5 = (await key(`engine:${people.get("PRT2")}|print|export-R5`))[0]!.id;
  ids.stopped = (await key(`engine:${people.get("PRT3")}|print|stopped`))[0]!.id;
  ids.dated = (await key(`engine:${people.get("PRT2")}|print|dated`))[0]!.id;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const pdfText = (pdf: Uint8Array | ArrayBuffer, args: string[] = []) => {
  const file = join(dir, `read-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, new Uint8Array(pdf));
  return execFileSync("pdftotext", [...args, file, "-"], { encoding: "utf8" });
};
const pagesOf = (text: string) => text.split("\f").filter((p) => p.trim());
const flat = (text: string) => text.replace(/\s+/g, " ");

async function download(url: string, path: string): Promise<Uint8Array> {
  const res = await fetch(`${url}${path}`, { headers: { cookie: office } });
  expect(res.status, path).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  return new Uint8Array(await res.arrayBuffer());
}

async function print(url: string, body: object) {
  return call<PrintResponse>(url, "POST", "/api/letters/print", { cookie: office, body });
}

/** Long date as letters write it: "22 novembre 2026". */
const longDate = (day: string) => new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${day}T12:00:00Z`));

describe("printing letters for posting", () => {
  it("prints a simple letter without ever saying « recommandée », the address's city line in capitals", async () => {
    const printed = await print(server.url, { ids: [ids.standardR5, ids.exportR5, ids.dated] });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    expect(printed.body.batch!.letters.map((l) => l.copies)).toEqual([["Lettre simple"], ["Lettre simple"], ["Lettre simple"]]);
    for (const id of [ids.standardR5, ids.exportR5]) {
      const text = pdfText(await download(server.url, `/api/messages/${id}/letter.pdf`), ["-layout"]);
      expect(pagesOf(text).length).toBe(1);
      expect(text).not.toMatch(/recommand/i);
      expect(flat(text)).toContain("MISE EN DEMEURE");
      expect(flat(text)).toContain("Lettre simple");
      // La Poste's last line: capitals, no accent, no hyphen.
      expect(text).toContain("42000 SAINT ETIENNE");
      expect(text).not.toContain("Saint-Étienne");
      expect(flat(text)).toContain(`Lyon, le ${longDate(TEST_TODAY)}`);
    }
    // The whole batch too: no letter in it says "recommandée".
    expect(pdfText(await download(server.url, printed.body.batch!.pdf))).not.toMatch(/recommand/i);
  });

  it("prints a registered letter in exactly 3 copies, each marked — the step's simple letter being the second", async () => {
    const printed = await print(server.url, { ids: [ids.registered, ids.simple] });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    const batch = printed.body.batch!;
    const batchText = pdfText(await download(server.url, batch.pdf));
    expect(pagesOf(batchText).filter((p) => p.includes("Paul Imprimé"))).toHaveLength(3);
    expect(batch.letters.find((l) => l.id === ids.registered)!.copies).toEqual(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]);
    expect(batch.letters.find((l) => l.id === ids.simple)!.copies).toEqual(["Lettre simple"]);

    const registered = pagesOf(pdfText(await download(server.url, `/api/messages/${ids.registered}/letter.pdf`)));
    expect(registered).toHaveLength(3);
    expect(registered.map((p) => /Exemplaire : ([^\n—]+)/.exec(p)?.[1]?.trim())).toEqual(["Lettre recommandée avec AR", "Lettre simple", "Dossier"]);
    expect(flat(registered[0]!)).toContain("Lettre recommandée avec accusé de réception");
    expect(flat(registered[1]!)).toContain("Copie adressée par lettre simple");
    expect(flat(registered[1]!)).not.toMatch(/lettre recommandée avec accusé de réception/i);
    expect(flat(registered[2]!)).toContain("Exemplaire dossier");
    for (const page of registered) expect(page).toContain("69007 LYON");

    // The simple letter's own PDF: the registered letter's copy by simple post, nothing else.
    const simple = pagesOf(pdfText(await download(server.url, `/api/messages/${ids.simple}/letter.pdf`)));
    expect(simple).toHaveLength(1);
    expect(flat(simple[0]!)).toContain("Copie adressée par lettre simple");
    expect(simple[0]).toContain("Exemplaire : Lettre simple");
    expect(flat(simple[0]!)).not.toMatch(/lettre recommandée avec accusé de réception/i);
  });

  it("prints the operator's legal identity, the references, what each invoice bills, how to pay, a named signatory and the privacy notice", async () => {
    // Printed by the test before or now: the stored PDF of the registered R2 of a person.
    if ((await print(server.url, { ids: [ids.registered] })).status !== 200) throw new Error("print failed");
    const text = flat(pdfText(await download(server.url, `/api/messages/${ids.registered}/letter.pdf`)));
    for (const words of [
      // The demo sites' company (server/demo/generate.ts): name, legal form, capital, SIRET, RCS (its SIREN), office.
      "Cadenas Self-Stockage SAS au capital de 50 000 €",
      "SIRET 812 345 676 00017",
      "RCS Lyon B 812 345 676",
      "Siège social : 12 rue de Gerland, 69007 Lyon",
      "Votre référence client : PRT1 · Contrat : CPRT1 · Box : X9P1",
      "Pour régler : à l'accueil de",
      "par carte bancaire, ou par virement sur le compte IBAN FR76 3000 4000 0312 3456 7890 143 en rappelant votre référence PRT1",
      "Claire Morel Responsable recouvrement",
      "Vos données personnelles : Cadenas Self-Stockage les traite",
      "L'accès à votre box est suspendu depuis notre précédente relance.",
      // Each invoice says what it bills.
      "Facture Désignation Échéance Reste dû",
    ])
      expect(text, words).toContain(words);
    expect(text).toMatch(/Désignation Échéance Reste dû \S+ Loyer \d\d\/\d\d\/\d{4}/);
    expect(text).not.toContain("L'équipe de");
    expect(text).not.toMatch(/frais de recouvrement|indemnité forfaitaire|le 15 du mois/);
  });

  it("cancels a letter no longer due instead of printing it, with the reason", async () => {
    const [stopped] = await server.services.db.select({ customerId: messages.customerId }).from(messages).where(eq(messages.id, ids.stopped));
    await server.services.db.update(customers).set({ stop: true }).where(eq(customers.id, stopped!.customerId!));
    const printed = await print(server.url, { ids: [ids.stopped] });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    expect(printed.body).toEqual({ batch: null, cancelled: [{ id: ids.stopped, reason: "Client en stop : aucune relance" }] });
    const [row] = await server.services.db.select().from(messages).where(eq(messages.id, ids.stopped));
    expect(row).toMatchObject({ status: "cancelled", lastError: "Client en stop : aucune relance" });
    expect((await call(server.url, "GET", `/api/messages/${ids.stopped}/letter.pdf`, { cookie: office })).status).toBe(404);
    // Asked again: it is not a letter waiting any more.
    expect((await print(server.url, { ids: [ids.stopped] })).status).toBe(409);
  });

  it("posts only a letter printed: one never printed has no stored copy", async () => {
    const [c] = await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, "PRT2"));
    await server.services.db.transaction((tx) =>
      queueMessages(tx, [{ customerId: c!.id, caseId: null, plannedActionId: "u", key: "print|unprinted", step: "R5", template: "test-datee", channel: "letter", purpose: "reminder" }], TEST_TODAY),
    );
    const [m] = await server.services.db.select({ id: messages.id }).from(messages).where(eq(messages.idempotencyKey, `engine:${c!.id}|print|unprinted`));
    const posted = await call(server.url, "POST", "/api/letters/posted", { cookie: office, body: { letters: [{ id: m!.id }] } });
    expect(posted.status).toBe(409);
    expect(posted.body.error.message).toContain("lettre pas encore imprimée");
  });

  it("downloads change nothing: the stored PDF is what GET returns, the messages as they were", async () => {
    const db = server.services.db;
    const letterIds = [ids.registered, ids.simple, ids.standardR5, ids.exportR5];
    const before = await db.select().from(messages).where(inArray(messages.id, letterIds));
    const batch = (await db.select().from(letterBatches)).find((b) => b.messageIds.includes(ids.registered));
    const got = await download(server.url, `/api/letters/batches/${batch!.id}.pdf`);
    expect(Buffer.from(got).equals(readFileSync(join(dir, batch!.file)))).toBe(true);
    for (const id of letterIds) {
      const bytes = await download(server.url, `/api/messages/${id}/letter.pdf`);
      expect(Buffer.from(bytes).equals(Buffer.from((await storedLetterPdf(db, dir, id))!))).toBe(true);
    }
    expect(await db.select().from(messages).where(inArray(messages.id, letterIds))).toEqual(before);
    // The old GET that printed (and cancelled) is gone.
    expect((await fetch(`${server.url}/api/letters/batch.pdf`, { headers: { cookie: office } })).status).toBe(404);
    expect((await call(server.url, "GET", `/api/letters/batches/0190f1c2-0000-7000-8000-000000000000.pdf`, { cookie: office })).status).toBe(404);
  });

  it("dates a letter the day it is printed: printed again three days later (server restarted), it says that day; posted, it is never printed again", async () => {
    const later = addDays(TEST_TODAY, 3);
    await server.stop();
    server = await startTestServer({
      env: { DATABASE_URL: `file:${join(dir, "cadenas.db")}`, DATA_DIR: dir, TODAY: later, NOW: new Date(TEST_NOW.getTime() + 3 * 86_400_000).toISOString() },
    });
    office = await signIn(server.url, "bureau@demo.test");
    const db = server.services.db;
    const first = flat(pdfText((await storedLetterPdf(db, dir, ids.dated))!));
    expect(first).toContain(`Lyon, le ${longDate(TEST_TODAY)}`);
    expect(first).toContain(`Objet : Relance du ${longDate(TEST_TODAY)}`);
    expect(first).toContain(`avant le ${formatDateFr(addDays(TEST_TODAY, 8))}`);

    const printed = await print(server.url, { ids: [ids.dated, ids.registered, ids.simple] });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    expect(printed.body.batch!.printedOn).toBe(later);
    const text = flat(pdfText(await download(server.url, `/api/messages/${ids.dated}/letter.pdf`)));
    expect(text).toContain(`Lyon, le ${longDate(later)}`);
    expect(text).toContain(`Objet : Relance du ${longDate(later)}`);
    expect(text).not.toContain(longDate(TEST_TODAY));
    // The deadline counted from the letter's date moves with it.
    expect(text).toContain(`avant le ${formatDateFr(addDays(later, 8))}`);
    const [row] = await db.select().from(messages).where(eq(messages.id, ids.dated));
    expect(row!.letter).toMatchObject({ datedOn: later, placeAndDate: `Lyon, le ${longDate(later)}` });
    expect(row).toMatchObject({ subject: `Relance du ${longDate(later)}`, body: expect.stringContaining(`avant le ${formatDateFr(addDays(later, 8))}`) });
    // Both prints are kept; the last one is the letter.
    expect(await db.select().from(letterPrints).where(eq(letterPrints.messageId, ids.dated))).toHaveLength(2);
    expect(flat(pdfText((await storedLetterPdf(db, dir, ids.dated))!))).toContain(`Lyon, le ${longDate(later)}`);
    const registered = flat(pdfText(await download(server.url, `/api/messages/${ids.registered}/letter.pdf`)));
    expect(registered).toContain(`Lyon, le ${longDate(later)}`);

    // Posted: never printed again, its stored letter unchanged.
    const posted = await call(server.url, "POST", "/api/letters/posted", { cookie: office, body: { letters: [{ id: ids.registered, trackingNumber: "1A98765432101" }, { id: ids.simple }] } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    const sent = await download(server.url, `/api/messages/${ids.registered}/letter.pdf`);
    const again = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [ids.registered] } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("déjà postée");
    expect(Buffer.from(await download(server.url, `/api/messages/${ids.registered}/letter.pdf`)).equals(Buffer.from(sent))).toBe(true);
    expect(flat(pdfText(sent))).toContain(`Lyon, le ${longDate(later)}`);
  });
});

describe("the letter's layout", () => {
  const letter = (body: string): LetterContent => ({
    subject: "Relance — factures impayées",
    body,
    formalNotice: false,
    address: ["Athanasie Fernandez", "12 rue des Lilas", "69007 Lyon"],
    from: { name: "Lyon Gerland", address: "40 avenue Tony Garnier, 69007 Lyon", phone: "04 78 00 00 00" },
    placeAndDate: `Lyon, le ${longDate(TEST_TODAY)}`,
    invoices: [{ ref: "F1", dueDate: "2026-09-01", remainingCents: 15_900 }],
    totalCents: 15_900,
    signature: "Hélène Garnier",
    copies: ["Lettre simple"],
  });

  it("never leaves the signature alone on a last page: the closing paragraph goes with it", async () => {
    let broke = 0;
    // More and more text before the closing, until the page breaks at every place around the signature.
    for (let n = 0; n < 40; n++) {
      const filler = Array.from({ length: n }, (_, i) => `Ligne de texte numéro ${i + 1} qui allonge la lettre.`);
      const body = ["Madame, Monsieur,", "Les factures suivantes restent impayées :", "[[factures]]", ...filler, "Veuillez agréer, Madame, Monsieur, nos salutations distinguées."].join("\n\n");
      const pages = pagesOf(pdfText(await renderLetterPdf([letter(body)])));
      if (pages.length > 1) broke++;
      const signed = pages.filter((p) => p.includes("Hélène Garnier"));
      expect(signed, `${n} lines`).toHaveLength(1);
      expect(flat(signed[0]!), `${n} lines`).toContain("Veuillez agréer");
    }
    expect(broke).toBeGreaterThan(5);
  });
});
