import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../server/audit/audit.sql";
import { users } from "../../server/auth/auth.sql";
import { customers } from "../../server/customers/customers.sql";
import { messageAttempts, messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { createEmailSender, createSmsSender } from "../../server/messaging/transports";
import { sendDueMessages, type Transports } from "../../server/messaging/worker";
import type { SiteBody, SiteItem, SitesResponse } from "../../shared/schemas/sites";
import { everyDay } from "../../shared/sites/hours";
import { pngImage } from "../support/images";
import { BREVO_TEST_KEY, startFakeBrevo, type FakeBrevo } from "../support/brevo";
import { startSmtpSink, type SmtpSink } from "../support/providers";
import { call, importThroughRoute, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Sites as the office sets them up, and everything that names a site using what it set: the letters' letterhead
// (read back from the PDF), the e-mails' sender name and reply-to (a real SMTP server), the SMS sender (an HTTP
// server speaking Brevo's API), SMS hours in the site's own time zone, the phone's calendar.

let server: TestServer;
let smtp: SmtpSink;
let brevo: FakeBrevo;
let transports: Transports;
let office: string;
let manager: string;
let floor: string;
/** Monday 23 November 2026, 10:00 in Paris. */
const MONDAY_10H = new Date("2026-11-23T09:00:00Z");

beforeAll(async () => {
  [server, smtp, brevo] = await Promise.all([startTestServer(), startSmtpSink(), startFakeBrevo()]);
  transports = {
    email: createEmailSender({ dataDir: server.dir, smtpUrl: smtp.url, mailFrom: "relances@cadenas.test" }),
    sms: createSmsSender({ dataDir: server.dir, smsProvider: "brevo", smsUrl: brevo.url, smsToken: BREVO_TEST_KEY, smsSender: "Cadenas" }),
  };
  [office, manager, floor] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "manager@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  const csv = (kind: string, text: string) => importThroughRoute(server.url, office, kind, text);
  await csv(
    "customers",
    `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method;segment;stop
STE1;person;Sarah Lyon;sarah@x.test;06 11 22 33 51;1 rue A;69007;Lyon;transfer;;0
STE2;person;Victor Vil;victor@x.test;06 11 22 33 52;2 rue B;69100;Villeurbanne;transfer;;0
`,
  );
  await csv(
    "contracts",
    `contract_ref;customer_ref;site_code;unit_number;monthly_rent;start_date;end_date
CSTE1;STE1;LYO;Z901;80,00;06/01/2026;
CSTE2;STE2;VIL;Z902;80,00;06/01/2026;
`,
  );
  await csv(
    "invoices",
    `invoice_ref;customer_ref;contract_ref;issue_date;due_date;amount
FSTE1;STE1;CSTE1;30/10/2026;06/11/2026;80,00
FSTE2;STE2;CSTE2;30/10/2026;06/11/2026;80,00
`,
  );
});
afterAll(async () => {
  transports.email.close();
  await Promise.all([server.close(), smtp.close(), brevo.close()]);
});

const sites = async (cookie = office) => (await call<SitesResponse>(server.url, "GET", "/api/sites", { cookie })).body;
const siteOf = async (code: string) => (await sites()).sites.find((s) => s.code === code)!;
const patch = (id: string, body: Partial<SiteBody>, cookie = office) => call<SiteItem>(server.url, "PATCH", `/api/sites/${id}`, { cookie, body });
const customerId = async (ref: string) => (await server.services.db.select({ id: customers.id }).from(customers).where(eq(customers.ref, ref)))[0]!.id;
const userId = async (email: string) => (await server.services.db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]!.id;
const pdfText = (pdf: ArrayBuffer) => {
  const file = join(server.dir, `site-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, Buffer.from(pdf));
  return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
};
const putLogo = (id: string, bytes: Uint8Array, type: string, cookie = office) =>
  fetch(`${server.url}/api/sites/${id}/logo`, { method: "PUT", headers: { cookie, "content-type": type }, body: Buffer.from(bytes) });

const NEW_SITE: SiteBody = {
  code: "ANN",
  name: "Cadenas Self-Stockage Annecy",
  address: "4 avenue de Genève",
  postalCode: "74000",
  city: "Annecy",
  phone: "04 50 00 00 00",
  email: "annecy@cadenas.test",
  senderName: "Cadenas Annecy",
  replyTo: "annecy@cadenas.test",
  smsSender: "CadAnnecy",
  legalName: "Cadenas Alpes",
  legalForm: "SARL",
  shareCapital: "10 000 €",
  iban: null,
  siret: "812 345 676 00033",
  rcs: "Annecy B 812 345 676",
  registeredOffice: "4 avenue de Genève, 74000 Annecy",
  signatoryName: "Jean Dupuis",
  signatoryTitle: "Gérant",
  timeZone: "Europe/Paris",
  openingHours: everyDay("07:00", "21:00"),
  userIds: [],
};

describe("the office's sites", () => {
  it("lists every site with its settings, who works there and the default time zone of a new site", async () => {
    const body = await sites();
    expect(body.defaultTimeZone).toBe("Europe/Paris");
    expect(body.editable).toBe(true);
    const lyon = body.sites.find((s) => s.code === "LYO")!;
    expect(lyon).toMatchObject({ legalName: "Cadenas Self-Stockage", legalForm: "SAS", shareCapital: "50 000 €", siret: "81234567600017", smsSender: "LyonGerland", signatoryTitle: "Responsable recouvrement", hasLogo: false });
    expect(lyon.openingHours!.mon).toEqual([{ from: "06:00", to: "22:00" }]);
    expect(lyon.boxes).toBeGreaterThan(0);
    // The office sees every site and is never listed among those who work there.
    expect(lyon.users.map((u) => u.name).sort()).toEqual(["Marc Girard", "Valérie Thomas"]);
  });

  it("creates a site and records who did it, and refuses a code already taken, naming it", async () => {
    const made = await call<SiteItem>(server.url, "POST", "/api/sites", { cookie: office, body: { ...NEW_SITE, userIds: [await userId("gestionnaire2@demo.test"), await userId("bureau@demo.test")] } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ code: "ANN", siret: "81234567600033", legalName: "Cadenas Alpes", legalForm: "SARL", shareCapital: "10 000 €", hasLogo: false, boxes: 0 });
    // The office user asked for is left out: the office sees every site anyway.
    expect(made.body.users.map((u) => u.name)).toEqual(["Bruno Olivier"]);
    const [row] = await server.services.db.select().from(auditLog).where(and(eq(auditLog.event, "site.created"), eq(auditLog.entityId, made.body.id)));
    expect(row!.userId).toBe(await userId("bureau@demo.test"));
    expect(row!.details).toMatchObject({ before: null, after: { code: "ANN", legalName: "Cadenas Alpes", legalForm: "SARL" } });

    const again = await call(server.url, "POST", "/api/sites", { cookie: office, body: { ...NEW_SITE, code: "lyo" } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("LYO");
    expect(again.body.error.details.issues).toEqual([{ path: "code", message: expect.stringContaining("Cadenas Self-Stockage Lyon Gerland") }]);
  });

  it("refuses an SMS sender over 11 characters and a SIRET whose check key is wrong, saying why", async () => {
    const lyon = await siteOf("LYO");
    const sms = await patch(lyon.id, { smsSender: "CadenasGerland" });
    expect(sms.status).toBe(400);
    expect((sms.body as any).error.details.issues).toEqual([{ path: "smsSender", message: "3 à 11 lettres ou chiffres, sans espace ni accent" }]);
    const digits = await patch(lyon.id, { smsSender: "123456" });
    expect((digits.body as any).error.details.issues[0]).toEqual({ path: "smsSender", message: "doit contenir au moins une lettre" });
    const siret = await patch(lyon.id, { siret: "81234567600018" });
    expect(siret.status).toBe(400);
    expect((siret.body as any).error.details.issues).toEqual([{ path: "siret", message: "clé de contrôle fausse : vérifiez le numéro" }]);
    const short = await patch(lyon.id, { siret: "8123456760001" });
    expect((short.body as any).error.details.issues[0]).toEqual({ path: "siret", message: "14 chiffres" });
    expect((await siteOf("LYO")).siret).toBe("81234567600017");
  });

  it("refuses unknown users, naming them", async () => {
    const lyon = await siteOf("LYO");
    const ghost = "0190aaaa-0000-7000-8000-000000000001";
    const res = await patch(lyon.id, { userIds: [await userId("gestionnaire@demo.test"), ghost] });
    expect(res.status).toBe(400);
    expect((res.body as any).error.message).toContain(ghost);
    expect((await siteOf("LYO")).users).toHaveLength(2);
  });

  it("audits an edit with the fields it changed, before and after", async () => {
    const vil = await siteOf("VIL");
    const res = await patch(vil.id, { phone: "04 72 99 99 99", signatoryName: "Paul Ferrand", name: vil.name });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe("04 72 99 99 99");
    const rows = await server.services.db.select().from(auditLog).where(and(eq(auditLog.event, "site.updated"), eq(auditLog.entityId, vil.id)));
    expect(rows.at(-1)!.details).toEqual({ before: { phone: "04 72 00 56 78", signatoryName: "Claire Morel" }, after: { phone: "04 72 99 99 99", signatoryName: "Paul Ferrand" } });
  });

  it("shows a Manager their own sites, read-only, and refuses the floor", async () => {
    const seen = await sites(manager);
    expect(seen.editable).toBe(false);
    expect(seen.sites.map((s) => s.code)).toEqual(["LYO", "VIL"]);
    const lyon = seen.sites[0]!;
    expect((await patch(lyon.id, { phone: "01 00 00 00 00" }, manager)).status).toBe(403);
    expect((await call(server.url, "POST", "/api/sites", { cookie: manager, body: { ...NEW_SITE, code: "MGR" } })).status).toBe(403);
    expect((await putLogo(lyon.id, pngImage(60, 20), "image/png", manager)).status).toBe(403);
    const forbidden = await call(server.url, "GET", "/api/sites", { cookie: floor });
    expect(forbidden.status).toBe(403);
    expect((await fetch(`${server.url}/api/sites/${lyon.id}/logo`, { headers: { cookie: floor } })).status).toBe(403);
  });
});

describe("the letterhead's logo", () => {
  it("takes a PNG checked by its content, no larger than 300 KB, and audits its size and hash", async () => {
    const lyon = await siteOf("LYO");
    const wrongType = await putLogo(lyon.id, pngImage(60, 20), "image/gif");
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error.message).toContain("PNG ou JPEG");
    const notAnImage = await putLogo(lyon.id, new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/png");
    expect(notAnImage.status).toBe(400);
    expect((await notAnImage.json()).error.message).toContain("n'est pas une image PNG");
    const big = pngImage(400, 300, { noise: true });
    expect(big.length).toBeGreaterThan(300 * 1024);
    const tooLarge = await putLogo(lyon.id, big, "image/png");
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).error.message).toContain("300 Ko au plus");

    const logo = pngImage(120, 40);
    const ok = await putLogo(lyon.id, logo, "image/png");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as SiteItem).hasLogo).toBe(true);
    for (const cookie of [office, manager]) {
      const got = await fetch(`${server.url}/api/sites/${lyon.id}/logo`, { headers: { cookie } });
      expect(got.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await got.arrayBuffer()).equals(logo)).toBe(true);
    }
    const [audit] = await server.services.db.select().from(auditLog).where(and(eq(auditLog.event, "site.logo"), eq(auditLog.entityId, lyon.id)));
    expect(audit!.details).toEqual({ before: { logo: null }, after: { logo: { type: "image/png", size: logo.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
  });

  it("is removed, and the removal audited", async () => {
    const vil = await siteOf("VIL");
    expect((await putLogo(vil.id, pngImage(50, 50), "image/png")).status).toBe(200);
    const removed = await call<SiteItem>(server.url, "DELETE", `/api/sites/${vil.id}/logo`, { cookie: office });
    expect(removed.body.hasLogo).toBe(false);
    expect((await fetch(`${server.url}/api/sites/${vil.id}/logo`, { headers: { cookie: office } })).status).toBe(404);
    const rows = await server.services.db.select().from(auditLog).where(and(eq(auditLog.event, "site.logo"), eq(auditLog.entityId, vil.id)));
    expect(rows.at(-1)!.details).toMatchObject({ before: { logo: { type: "image/png" } }, after: { logo: null } });
  });
});

describe("what names a site uses its settings", () => {
  it("prints a letter previewed after an edit with the new letterhead: legal mentions, signatory, logo", async () => {
    const lyon = await siteOf("LYO");
    const id = await customerId("STE1");
    const before = pdfText(await (await fetch(`${server.url}/api/templates/box-R3/preview.pdf?customerId=${id}&channel=registered_letter`, { headers: { cookie: office } })).arrayBuffer());
    expect(before).toContain("Cadenas Self-Stockage SAS");
    expect(before).not.toContain("Gerland Garde-Meubles SAS");
    // A letter queued before the change, not yet posted.
    await server.services.db.transaction((tx) => queueMessages(tx, [{ customerId: id, caseId: null, plannedActionId: "x", key: "test|letter", step: "R1", template: "box-R1", channel: "letter", purpose: "floor" }], TEST_TODAY));

    expect((await patch(lyon.id, { legalName: "Gerland Garde-Meubles SAS", siret: "81234567600041", rcs: "Lyon B 812 345 676", registeredOffice: "1 place Bellecour, 69002 Lyon", signatoryName: "Hélène Garnier", signatoryTitle: "Directrice" })).status).toBe(200);
    const res = await fetch(`${server.url}/api/templates/box-R3/preview.pdf?customerId=${id}&channel=registered_letter`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    const bytes = await res.arrayBuffer();
    const text = pdfText(bytes);
    for (const words of ["Gerland Garde-Meubles SAS", "SIRET 812 345 676 00041", "RCS Lyon B 812 345 676", "Siège social : 1 place Bellecour, 69002 Lyon", "Hélène Garnier", "Directrice"]) expect(text, words).toContain(words);
    expect(text).not.toContain("Cadenas Self-Stockage SAS");
    // The logo set above is in the letter.
    expect(Buffer.from(bytes).toString("latin1")).toContain("/Subtype /Image");

    // Not posted yet: printed with the new letterhead. Once posted, it keeps the one it went with.
    const [queued] = await server.services.db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${id}|test|letter`));
    const printed = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [queued!.id] } });
    expect(printed.status, JSON.stringify(printed.body)).toBe(200);
    const batch = await fetch(`${server.url}${printed.body.batch.pdf}`, { headers: { cookie: office } });
    expect(batch.status).toBe(200);
    expect(pdfText(await batch.arrayBuffer())).toContain("Gerland Garde-Meubles SAS");
    expect((await call(server.url, "POST", "/api/letters/posted", { cookie: office, body: { letters: [{ id: queued!.id }] } })).status).toBe(200);
    await patch(lyon.id, { legalName: "Autre Société SAS" });
    const [posted] = await server.services.db.select().from(messages).where(eq(messages.id, queued!.id));
    expect(posted!.letter!.letterhead).toMatchObject({ legalName: "Gerland Garde-Meubles SAS", signatoryName: "Hélène Garnier", logoSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(posted!.letter!.signature).toBe("Hélène Garnier");
    await patch(lyon.id, { legalName: "Gerland Garde-Meubles SAS" });
  });

  it("heads the evidence pack with the site's operator as its letters name it: legal name and form, capital, SIRET, RCS, address", async () => {
    const [kase] = await server.services.db.all<{ id: string }>(sql`
      select k.id from cases k join contracts ct on ct.customer_id = k.customer_id join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
      where s.code = 'LYO' limit 1`);
    const res = await fetch(`${server.url}/api/cases/${kase!.id}/evidence-pack.pdf`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    const text = pdfText(await res.arrayBuffer());
    for (const words of ["Exploitant", "Gerland Garde-Meubles SAS au capital de 50 000 € — SIRET 812 345 676 00041 — RCS Lyon B 812 345 676", "Adresse du site", "12 rue de Gerland, 69007 Lyon"]) {
      expect(text.replace(/\s+/g, " "), words).toContain(words);
    }
  });

  it("sends e-mails under the site's sender name with its reply-to, and SMS under its SMS sender", async () => {
    const [lyon, vil] = [await siteOf("LYO"), await siteOf("VIL")];
    await patch(lyon.id, { senderName: "Cadenas Lyon Gerland — recouvrement", replyTo: "recouvrement.lyon@cadenas.test", smsSender: "GerlandBox" });
    await patch(vil.id, { smsSender: null });
    const [sarah, victor] = [await customerId("STE1"), await customerId("STE2")];
    const ask = (customer: string, channel: "email" | "sms", n: string) => ({ customerId: customer, caseId: null, plannedActionId: "x", key: `test|sites-${n}`, step: "reminder", template: channel === "email" ? "box-reminder-email" : "box-reminder-sms", channel, purpose: "floor" as const });
    await server.services.db.transaction((tx) => queueMessages(tx, [ask(sarah, "email", "1"), ask(sarah, "sms", "2"), ask(victor, "sms", "3")], TEST_TODAY));
    await sendDueMessages(server.services.db, transports, { id: "test", timeZone: "Europe/Paris", now: () => MONDAY_10H });

    const mail = smtp.received.find((m) => JSON.stringify(m.to).includes("sarah@x.test"))!;
    expect(mail.from?.text).toBe('"Cadenas Lyon Gerland — recouvrement" <relances@cadenas.test>');
    expect(mail.replyTo?.text).toBe("recouvrement.lyon@cadenas.test");
    expect(brevo.sent.find((s) => s.recipient === "33611223351")!.sender).toBe("GerlandBox");
    // A site without its own SMS sender: the server's.
    expect(brevo.sent.find((s) => s.recipient === "33611223352")!.sender).toBe("Cadenas");
  });

  it("keeps SMS to the hours of the site's own time zone", async () => {
    const vil = await siteOf("VIL");
    await patch(vil.id, { timeZone: "America/Martinique" });
    const [sarah, victor] = [await customerId("STE1"), await customerId("STE2")];
    const ask = (customer: string, n: string) => ({ customerId: customer, caseId: null, plannedActionId: "x", key: `test|zone-${n}`, step: "reminder", template: "box-reminder-sms", channel: "sms" as const, purpose: "floor" as const });
    await server.services.db.transaction((tx) => queueMessages(tx, [ask(sarah, "1"), ask(victor, "2")], TEST_TODAY));
    // 10:00 in Lyon is 05:00 in Martinique: Lyon's SMS goes, Villeurbanne's waits for 8:00 there.
    await sendDueMessages(server.services.db, transports, { id: "test", timeZone: "Europe/Paris", now: () => MONDAY_10H });
    const mine = await server.services.db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${victor}|test|zone-2`));
    expect(mine[0]!.status).toBe("queued");
    expect(mine[0]!.notBefore).toBe("2026-11-23T12:00:00.000Z");
    const [tried] = await server.services.db.select().from(messageAttempts).where(eq(messageAttempts.messageId, mine[0]!.id));
    expect(tried!.outcome).toBe("postponed");
    const lyons = await server.services.db.select().from(messages).where(eq(messages.idempotencyKey, `engine:${sarah}|test|zone-1`));
    expect(lyons[0]!.status).toBe("sent");
  });

  it("gives the phone its site's calendar and opening hours", async () => {
    const vil = await siteOf("VIL");
    await patch(vil.id, { timeZone: "America/Martinique", openingHours: { ...everyDay("07:00", "20:00"), sun: [] } });
    // Bruno Olivier works at Villeurbanne only again (he was put on Annecy, in Paris's time zone, above).
    const annecy = await siteOf("ANN");
    expect((await patch(annecy.id, { userIds: [] })).body.users).toEqual([]);
    const phone = await signIn(server.url, "gestionnaire2@demo.test");
    const me = await call(server.url, "GET", "/api/auth/me", { cookie: phone });
    expect(me.body.settings.timeZone).toBe("America/Martinique");
    expect(me.body.user.sites[0]).toMatchObject({ code: "VIL", timeZone: "America/Martinique", openingHours: { mon: [{ from: "07:00", to: "20:00" }], sun: [] } });
    // A Manager of sites in two time zones keeps the server's.
    expect((await call(server.url, "GET", "/api/auth/me", { cookie: manager })).body.settings.timeZone).toBe("Europe/Paris");
  });
});
