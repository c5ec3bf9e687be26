import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { users } from "../../server/auth/auth.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { sites } from "../../server/sites/sites.sql";
import { nextSmsSlot, sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { getMeta } from "../../client/store/db";
import { recordAction, type Who } from "../../client/store/record";
import { shown } from "../../client/store/views";
import { todayIn } from "../../shared/dates";
import { floorChoices } from "../../shared/messaging/floor";
import { smsCount } from "../../shared/messaging/sms";
import { SimulatedPhone } from "../support/phone";
import { call, signIn, startTestServer, TEST_NOW, type TestServer } from "../support/server";

// The phone's message sheet uses the office's templates (*Modèles de messages*), brought by the sync, and shows
// the text the server will send: the same renderer, the same template, the same debtor document.

let server: TestServer;
let office: string;
let vt: Who & { cookie: string; name: string };

beforeAll(async () => {
  server = await startTestServer();
  const [user] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
  vt = { userId: user!.id, initials: "VT", timeZone: "Europe/Paris", name: user!.name, cookie: await signIn(server.url, "gestionnaire@demo.test") };
  office = await signIn(server.url, "bureau@demo.test");
});
afterAll(() => server.close());

const putTemplate = (code: string, body: unknown) => call(server.url, "PUT", `/api/templates/${code}`, { cookie: office, body });

describe("the floor's message templates", () => {
  it("a template edited at the office reaches the phone's store on the next pull, and only when it changed", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const first = (await getMeta(phone.db, "floorMessaging"))!;
    expect(first.templates.map((t) => t.code)).toEqual(["rappel-sms", "rappel-email"]);
    expect(first.sites.map((s) => s.name)).toEqual(["Cadenas Self-Stockage Lyon Gerland"]);
    const callBack = first.templates.find((t) => t.code === "rappel-sms")!;

    const edited = "Bonjour {{nom}}, ici {{site}} : rappelez-nous au {{telephone_site}} pour votre box {{box}}, merci !";
    const saved = await putTemplate("rappel-sms", { label: "Rappel (modifié)", floor: true, sms: { body: edited } });
    expect(saved.status).toBe(200);
    // A template the office stops offering on the floor leaves the phones too.
    const { code: _, ...email } = first.templates.find((t) => t.code === "rappel-email")!;
    expect((await putTemplate("rappel-email", { ...email, floor: false })).status).toBe(200);

    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const next = (await getMeta(phone.db, "floorMessaging"))!;
    expect(next.version).not.toBe(first.version);
    expect(next.templates.map((t) => [t.code, t.label, t.sms?.body])).toEqual([["rappel-sms", "Rappel (modifié)", edited]]);
    expect(callBack.sms!.body).not.toBe(edited);

    // Unchanged since the phone's copy: a pull does not carry them again.
    const clientId = (await getMeta(phone.db, "clientId"))!;
    const cursor = (await getMeta(phone.db, "cursor"))!;
    const quiet = await call(server.url, "POST", "/api/sync/pull", { cookie: vt.cookie, body: { clientId, cursor, page: null, templates: next.version } });
    expect(quiet.status).toBe(200);
    expect(quiet.body.templates).toBeUndefined();
    expect(quiet.body.reset).toBe(false);
  });

  it("a setting or a site changed at the office reaches the phone's copy on the next pull", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const first = (await getMeta(phone.db, "floorMessaging"))!;
    const keep = first.procedure!.keepGoodsDays;
    expect((await call(server.url, "PUT", "/api/settings", { cookie: office, body: { keepGoodsDays: keep + 1 } })).status).toBe(200);
    try {
      expect(await phone.engine.syncOnce(vt)).toBe("synced");
      const next = (await getMeta(phone.db, "floorMessaging"))!;
      expect(next.procedure!.keepGoodsDays).toBe(keep + 1);

      const site = first.sites[0]!;
      await server.services.db.update(sites).set({ phone: "04 78 00 00 99" }).where(eq(sites.id, site.id));
      expect(await phone.engine.syncOnce(vt)).toBe("synced");
      expect((await getMeta(phone.db, "floorMessaging"))!.sites[0]!.phone).toBe("04 78 00 00 99");
    } finally {
      await call(server.url, "PUT", "/api/settings", { cookie: office, body: { keepGoodsDays: keep } });
    }
  });

  it("the text previewed from the phone's data is the text the server sends, and the history keeps it", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const messaging = (await getMeta(phone.db, "floorMessaging"))!;
    const rows = await phone.db.debtors.toArray();
    const doc = rows.map(shown).find((d) => d.phone && d.email && d.case?.status === "open")!;
    const asOf = todayIn("Europe/Paris", server.services.clock.now());
    const preview = floorChoices(messaging, doc, vt.name, asOf).find((c) => c.template.code === "rappel-sms" && c.channel === "sms")!;
    expect(preview.composed.body).toContain(doc.name);
    expect(preview.composed.body).toContain(doc.units[0]!.number);
    expect(preview.composed.body).not.toMatch(/\{\{/);
    expect(preview.sms).toEqual(smsCount(preview.composed.body));

    const m = await recordAction(phone.db, vt, "message.requested", { customerId: doc.customerId, channel: "sms", templateCode: "rappel-sms", templateLabel: preview.template.label });
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const [queued] = await server.services.db.select().from(messages).where(eq(messages.id, m.id));
    // Of its site, like every message: a bounce of it reaches that site's floor.
    expect(queued).toMatchObject({ status: "queued", channel: "sms", recipient: doc.phone, templateCode: "rappel-sms", siteId: doc.units[0]!.siteId });
    expect(queued!.body).toBe(preview.composed.body);

    // An e-mail template offered on the floor: subject and body as previewed, the user's name as the signature.
    const templates = (await call(server.url, "GET", "/api/templates", { cookie: office })).body.templates as { code: string }[];
    const { code: _, customized: __, ...email } = templates.find((t) => t.code === "rappel-email") as { code: string; customized: boolean };
    await putTemplate("rappel-email", { ...email, floor: true });
    await phone.engine.syncOnce(vt);
    const mail = floorChoices((await getMeta(phone.db, "floorMessaging"))!, doc, vt.name, asOf).find((c) => c.channel === "email")!;
    expect(mail.composed.body).toContain(vt.name);
    const e = await recordAction(phone.db, vt, "message.requested", { customerId: doc.customerId, channel: "email", templateCode: "rappel-email", templateLabel: mail.template.label });
    await phone.engine.syncOnce(vt);
    const [queuedMail] = await server.services.db.select().from(messages).where(eq(messages.id, e.id));
    expect({ subject: queuedMail!.subject, body: queuedMail!.body }).toEqual({ subject: mail.composed.subject, body: mail.composed.body });

    // Sent (here: written to the folder), the history keeps the text that went.
    const transports = transportsFor(server.services.config);
    await sendDueMessages(server.services.db, transports, { id: "w", timeZone: "Europe/Paris", now: () => nextSmsSlot(TEST_NOW, "Europe/Paris") ?? TEST_NOW });
    transports.email.close();
    const lines = await server.services.db.select().from(actions).where(eq(actions.customerId, doc.customerId));
    expect(lines.find((l) => l.data?.messageId === m.id)!.text).toContain(`« ${preview.composed.body} »`);
    expect(lines.find((l) => l.data?.messageId === e.id)!.data).toMatchObject({ subject: mail.composed.subject, text: mail.composed.body });
  });

  it("refuses a template the office does not offer on the floor", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const doc = (await phone.db.debtors.toArray()).map(shown).find((d) => d.phone)!;
    await recordAction(phone.db, vt, "message.requested", { customerId: doc.customerId, channel: "sms", templateCode: "box-reminder-sms" });
    await phone.engine.syncOnce(vt);
    const [refused] = await phone.db.rejected.toArray();
    expect(refused!.reason).toMatchObject({ code: "UNKNOWN_TEMPLATE" });
  });
});
