import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { runEngineDay } from "../../server/engine/run";
import { messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { formatDateFr } from "../../shared/dates";
import { call, importThroughRoute, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// A pack that stands on its own: the letters as they were printed for posting are inside it (and in the ZIP, with
// their hashes), with the photo of the AR card; what is missing — a formal notice with no receipt — is said on the
// first page; the chronology reads as sentences, without "SYS" nor step codes. Read back with poppler.

const arCard = readFileSync(join(import.meta.dirname, "..", "fixtures", "photos", "padlock.png"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let server: TestServer;
let office: string;
const r3: Record<"acknowledged" | "waiting", { id: string; caseId: string }> = {} as never;

beforeAll(async () => {
  server = await startTestServer();
  office = await signIn(server.url, "bureau@demo.test");
  const db = server.services.db;
  const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
  await csv(
    "customers",
    "customer_ref;kind;name;email;phone;address;postal_code;city;payment_method\n" +
      "PKA1;person;Armelle Reçue;armelle@x.test;0611229901;7 rue Cavenne;69007;Lyon;cheque\n" +
      "PKW1;person;Wilfried Attente;wilfried@x.test;0611229902;8 rue Cavenne;69007;Lyon;cheque\n",
  );
  await csv("contracts", "contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date\nCPKA1;PKA1;LYO;X9K1;120,00;07/01/2026\nCPKW1;PKW1;LYO;X9K2;120,00;07/01/2026\n");
  await csv("invoices", "invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount\nFPKA1;PKA1;CPKA1;31/08/2026;07/09/2026;120,00\nFPKW1;PKW1;CPKW1;31/08/2026;07/09/2026;120,00\n");
  await runEngineDay(db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
  const people = await db.select().from(customers).where(inArray(customers.ref, ["PKA1", "PKW1"]));
  for (const [ref, which] of [["PKA1", "acknowledged"], ["PKW1", "waiting"]] as const) {
    const customerId = people.find((p) => p.ref === ref)!.id;
    const [kase] = await db.select().from(cases).where(and(eq(cases.customerId, customerId), eq(cases.status, "open")));
    await db.transaction((tx) =>
      queueMessages(tx, [{ customerId, caseId: kase!.id, plannedActionId: `pack|${ref}`, key: `pack|${ref}`, step: "R3", template: "box-R3", channel: "registered_letter", purpose: "reminder" }], TEST_TODAY),
    );
    const [m] = await db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${customerId}|pack|${ref}`));
    r3[which] = { id: m!.id, caseId: kase!.id };
  }
  // A letter of the second case that is never printed nor posted.
  await db.transaction((tx) =>
    queueMessages(tx, [{ customerId: people.find((p) => p.ref === "PKW1")!.id, caseId: r3.waiting.caseId, plannedActionId: "pack|unsent", key: "pack|unsent", step: "R1", template: "box-R1", channel: "letter", purpose: "reminder" }], TEST_TODAY),
  );
  // Both printed and posted; only the first one's AR comes back, with its photo.
  const printed = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [r3.acknowledged.id, r3.waiting.id] } });
  expect(printed.status, JSON.stringify(printed.body)).toBe(200);
  const posted = await call(server.url, "POST", "/api/letters/posted", {
    cookie: office,
    body: { letters: [{ id: r3.acknowledged.id, trackingNumber: "1A00112233445" }, { id: r3.waiting.id, trackingNumber: "1A00998877665" }] },
  });
  expect(posted.status, JSON.stringify(posted.body)).toBe(200);
  const put = await fetch(`${server.url}/api/blobs/${sha(arCard)}`, { method: "PUT", headers: { cookie: office }, body: arCard as unknown as BodyInit });
  expect(put.status).toBe(200);
  const ar = await call(server.url, "POST", `/api/letters/${r3.acknowledged.id}/acknowledged`, { cookie: office, body: { receivedOn: TEST_TODAY, photoSha256: sha(arCard) } });
  expect(ar.status, JSON.stringify(ar.body)).toBe(200);
});
afterAll(() => server.close());

const download = async (path: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie: office } });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
};
const saved = (bytes: Uint8Array) => {
  const file = join(server.dir, `pack-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return file;
};
const flat = (text: string) => text.replace(/\s+/g, " ");
const pdfText = (bytes: Uint8Array) => flat(execFileSync("pdftotext", [saved(bytes), "-"], { encoding: "utf8" }));

describe("the pack of a case whose formal notice came back with its AR", () => {
  it("embeds the letter as printed, says how it went and came back, and shows the AR card", async () => {
    const letter = pdfText(await download(`/api/messages/${r3.acknowledged.id}/letter.pdf`));
    const pack = await download(`/api/cases/${r3.acknowledged.caseId}/evidence-pack.pdf`);
    const text = pdfText(pack);
    expect(text).toContain("Annexe — Courriers envoyés");
    expect(text).toContain(`reçu : avis de réception signé le ${formatDateFr(TEST_TODAY)}`);
    expect(text).toContain("n° de suivi 1A00112233445");
    // The letter's own text is inside the pack: a long run of its words, as pdftotext reads them from both.
    const sentence = letter.split(/(?<=\.) /).find((s) => s.length > 60 && s.length < 200 && !/\d{2}\/\d{2}\/\d{4}/.test(s))!;
    expect(sentence).toBeTruthy();
    expect(text).toContain(sentence);
    // The AR card's photo is an image of the pack, at its own size.
    const [width, height] = [arCard.readUInt32BE(16), arCard.readUInt32BE(20)];
    const images = execFileSync("pdfimages", ["-list", saved(pack)], { encoding: "utf8" });
    expect(images.split("\n").some((l) => new RegExp(`\\s${width}\\s+${height}\\s`).test(l))).toBe(true);
    expect(text).toContain("Photo de l'avis de réception");
    expect(text).toContain(sha(arCard));
  });

  it("puts the letter and the AR photo in the ZIP, with matching hashes in the manifest and the sha256sum list", async () => {
    const files = unzipSync(await download(`/api/cases/${r3.acknowledged.caseId}/evidence-pack.zip`));
    const manifest = JSON.parse(strFromU8(files["manifest.json"]!));
    const letter = manifest.letters.find((l: { messageId: string }) => l.messageId === r3.acknowledged.id);
    expect(letter).toMatchObject({ step: "R3", channel: "registered_letter", trackingNumber: "1A00112233445", received: { outcome: "acknowledged", on: TEST_TODAY } });
    expect(sha(files[letter.file]!)).toBe(letter.sha256);
    expect(letter.sha256).toBe(sha(await download(`/api/messages/${r3.acknowledged.id}/letter.pdf`)));
    expect(manifest.files).toContainEqual(expect.objectContaining({ name: letter.file, sha256: letter.sha256 }));
    expect(sha(files[letter.arPhoto.file]!)).toBe(sha(arCard));
    // sha256sum checks every file of the archive against its list.
    const dir = join(server.dir, "unzipped");
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const checked = execFileSync("sha256sum", ["-c", "empreintes.txt"], { cwd: dir, encoding: "utf8" });
    expect(checked).toContain(`${letter.file}: OK`);
    expect(checked).toContain(`${letter.arPhoto.file}: OK`);
  });

  it("has no point of attention for it, and the chronology speaks in sentences (no SYS, no step codes)", async () => {
    const text = pdfText(await download(`/api/cases/${r3.acknowledged.caseId}/evidence-pack.pdf`));
    expect(text).not.toContain("Mise en demeure envoyée en recommandé n° 1A00112233445");
    const chronology = text.slice(text.indexOf("Chronologie"), text.indexOf("Courriers et envois"));
    expect(chronology).not.toMatch(/\bSYS\b/);
    expect(chronology).not.toMatch(/\bR\d\b/);
    expect(chronology).toContain("a posté la mise en demeure en lettre recommandée avec avis de réception n° 1A00112233445");
    expect(chronology).toMatch(/Le \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}, Cadenas \(envoi automatique\)/);
  });
});

describe("the pack of a case whose formal notice never came back", () => {
  it("says so first, under Points d'attention", async () => {
    const text = pdfText(await download(`/api/cases/${r3.waiting.caseId}/evidence-pack.pdf`));
    const attention = text.indexOf("Points d'attention");
    expect(attention).toBeGreaterThan(-1);
    expect(attention).toBeLessThan(text.indexOf("Chronologie"));
    expect(text).toContain("Mise en demeure envoyée en recommandé n° 1A00998877665");
    expect(text).toContain("ni avis de réception signé ni pli avisé et non réclamé enregistré");
    expect(text).toContain("La relance 1 n'a jamais été postée (en attente d'envoi).");
    // In the annex, the letter never printed is named, with no pages.
    expect(text).toContain("Courrier jamais imprimé pour l'envoi.");
  });
});
