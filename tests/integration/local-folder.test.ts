import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { messageAttempts, messages } from "../../server/messaging/messaging.sql";
import { queueMessages } from "../../server/messaging/outbox";
import { nextSmsSlot, sendDueMessages, transportsFor, type Transports } from "../../server/messaging/worker";
import { isMobile, toE164 } from "../../shared/messaging/sms";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// No SMTP server and no SMS provider set: the outbox writes messages to DATA_DIR/outbox/. Nobody receives them, so
// nothing may say they were sent — not the message's status, not the history, not *Envois*, not the evidence pack.

let server: TestServer;
let office: string;
let floor: string;
let transports: Transports;
let doc: DebtorDoc;
let ids: string[];
/** The first moment an SMS may go from TEST_NOW on (a weekday, 8:00–20:00): the worker then writes both. */
const AT = nextSmsSlot(TEST_NOW, "Europe/Paris") ?? TEST_NOW;

beforeAll(async () => {
  server = await startTestServer();
  [office, floor] = await Promise.all([signIn(server.url, "bureau@demo.test"), signIn(server.url, "gestionnaire@demo.test")]);
  // The server's own transports, from its configuration: neither SMTP_URL nor SMS_PROVIDER is set.
  transports = transportsFor(server.services.config);
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId: uuidv7(), cursor: null, page: null } });
  doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.email && d.phone && isMobile(toE164(d.phone) ?? ""))!;
  expect(doc).toBeDefined();
  await queueMessages(
    server.services.db,
    [
      { customerId: doc.customerId, caseId: doc.case!.id, plannedActionId: "x", key: "test|folder-mail", step: "reminder", template: "box-reminder-email", channel: "email", purpose: "floor" },
      { customerId: doc.customerId, caseId: doc.case!.id, plannedActionId: "x", key: "test|folder-sms", step: "reminder", template: "box-reminder-sms", channel: "sms", purpose: "floor" },
    ],
    TEST_TODAY,
  );
  const queued = await server.services.db.select().from(messages).where(eq(messages.customerId, doc.customerId));
  ids = queued.filter((m) => m.idempotencyKey.includes("test|folder-")).map((m) => m.id);
  expect(ids).toHaveLength(2);
});
afterAll(async () => {
  transports.email.close();
  await server.close();
});

const mine = () => server.services.db.select().from(messages).where(inArray(messages.id, ids));
const pdfText = (pdf: Uint8Array) => {
  const file = join(server.dir, `pack-${uuidv7()}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
};

describe("written to folder, not sent", () => {
  it("records each message as written to the local folder, never as sent, and never writes or sends it again", async () => {
    const round = await sendDueMessages(server.services.db, transports, { id: "folder", timeZone: "Europe/Paris", now: () => AT });
    expect(round).toMatchObject({ sent: 0, written: 2 });
    for (const m of await mine()) {
      expect(m.status).toBe("written");
      expect(existsSync(join(server.dir, "outbox", m.channel === "email" ? `${m.id}.eml` : `${m.id}.sms.txt`))).toBe(true);
    }
    const tries = await server.services.db.select().from(messageAttempts).where(inArray(messageAttempts.messageId, ids));
    expect(tries.map((t) => t.outcome)).toEqual(["written", "written"]);
    expect(tries[0]!.detail).toContain("pas envoyé");

    const again = await sendDueMessages(server.services.db, transports, { id: "folder", timeZone: "Europe/Paris", now: () => new Date(AT.getTime() + 86_400_000) });
    expect(again).toMatchObject({ sent: 0, written: 0, retried: 0 });
    const retry = await call(server.url, "POST", `/api/messages/${ids[0]}/retry`, { cookie: office });
    expect(retry.status).toBe(409);
    expect(retry.body.error.message).toContain("dossier local");
  });

  it("says so in the customer's history, on the phone too", async () => {
    const lines = (await server.services.db.select().from(actions).where(eq(actions.customerId, doc.customerId))).filter((a) => ids.includes(String(a.data?.messageId)));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.text).toMatch(/^(Courriel|SMS) écrit dans le dossier local, pas envoyé/);
      expect(line.text).not.toMatch(/envoyé à|envoyé :/);
      expect(line.data).toMatchObject({ delivery: "local_folder" });
    }
    const sms = (await mine()).find((m) => m.channel === "sms")!;
    expect(lines.find((l) => l.kind === "sms")!.text).toContain(`« ${sms.body} »`);
    const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId: uuidv7(), cursor: null, page: null } });
    const history = pulled.body.docs.find((d) => d.customerId === doc.customerId)!.history;
    expect(history.filter((h) => h.text.includes("écrit dans le dossier local, pas envoyé"))).toHaveLength(2);
  });

  it("lists them apart on Envois: written, not sent, and counted so", async () => {
    const written = await call(server.url, "GET", "/api/messages?status=written", { cookie: office });
    expect(written.status).toBe(200);
    expect(written.body.items.filter((m: { id: string }) => ids.includes(m.id)).map((m: { status: string }) => m.status)).toEqual(["written", "written"]);
    expect(written.body.counts.written).toBe(2);
    // Only the demo history's posted letters count as sent: not these e-mails and SMS.
    const posted = await server.services.db.select().from(messages).where(and(eq(messages.status, "sent"), inArray(messages.channel, ["letter", "registered_letter"])));
    expect(written.body.counts.sent ?? 0).toBe(posted.length);
    const sent = await call(server.url, "GET", "/api/messages?status=sent", { cookie: office });
    expect(sent.body.items.filter((m: { id: string }) => ids.includes(m.id))).toEqual([]);
    const detail = await call(server.url, "GET", `/api/messages/${ids[0]}`, { cookie: office });
    expect(detail.body.tries.map((t: { outcome: string }) => t.outcome)).toEqual(["written"]);
  });

  it("the evidence pack does not present them as sent to the customer", async () => {
    const res = await fetch(`${server.url}/api/cases/${doc.case!.id}/evidence-pack.pdf`, { headers: { cookie: office } });
    expect(res.status).toBe(200);
    const text = pdfText(new Uint8Array(await res.arrayBuffer()));
    // The chronology, in sentences…
    const chronology = text.slice(text.indexOf("Chronologie"), text.indexOf("Courriers et envois"));
    expect(chronology).toMatch(/a écrit la relance « [^»]+ » par courriel pour \S+ .*dans le dossier local du serveur, sans l'envoyer au client/);
    expect(chronology).toMatch(/a écrit la relance « [^»]+ » par SMS pour [\d ]+ dans le dossier local du serveur, sans l'envoyer au client/);
    expect(chronology).not.toMatch(/(courriel|SMS) envoyé[^.]*dossier local/i);
    // …and "Courriers et envois": each says what became of it.
    const sendings = text.slice(text.indexOf("Courriers et envois"));
    expect(sendings.match(/pas envoyé au client — seulement écrit dans le dossier local du serveur/g)).toHaveLength(2);
    expect(sendings).not.toContain("État : envoyé");
  });
});
